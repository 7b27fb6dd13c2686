/** The `ddpx --help` text. */
export const USAGE = `ddpx — a DDP (Meteor protocol) command line, driven by the ddpx connection statechart

Usage:
  ddpx connect <url>                       print status transitions as they happen (Ctrl-C to stop)
  ddpx call <url> <method> [json args...]  call a method, print its result as JSON
  ddpx sub <url> <name> [json args...]     subscribe, stream documents as they change (Ctrl-C to stop)
  ddpx inspect [args...]                   the live inspector (needs @ddpx/inspector installed)

<url>: http://host:port or host:port (plain), https://host (TLS), ws://host/websocket (plain),
       wss://host/websocket (TLS), ddp+sockjs://host/sockjs (SockJS over TLS), ddpi+sockjs://host/sockjs (SockJS, plain)
Arguments are JSON: 42, '"text"', '{"a":1}', '[1,2]' (put -- before negative numbers).

Options:
  -t, --transport <websocket|sockjs>   default websocket (sockjs for ddp+sockjs:// and ddpi+sockjs://)
      --json                           machine-readable output (one JSON value per line)
      --connect-timeout <ms>           time allowed to open a connection (default 10000)
      --timeout <ms>                   call: time allowed for the result (default 30000)
      --max-retries <n>                connect: give up once n retries in a row failed (default: never)
      --until-ready                    sub: exit once the initial documents are in
  -h, --help                           this text

Exit codes: 0 ok, 1 server error, 2 bad usage or URL, 3 connection failed, 4 DDP version
negotiation failed, 5 timed out, 130 call interrupted.`;
