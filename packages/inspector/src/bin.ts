#!/usr/bin/env node
import { runInspectCommand } from './runInspectCommand.js';

process.exitCode = await runInspectCommand(process.argv.slice(2));
