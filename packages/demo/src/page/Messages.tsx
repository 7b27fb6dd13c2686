import { useCollection, useConnection, useSubscription } from '@ddpx/react';
import { useState } from 'react';

/** The live `messages` publication: useSubscription + useCollection, and a method that adds one. */
export function Messages() {
  const connection = useConnection();
  const { ready } = useSubscription('messages');
  const messages = useCollection('messages');
  const [text, setText] = useState('');
  return (
    <section className="panel messages">
      <h2>
        Live data <small data-testid="sub-ready">{ready ? 'ready' : 'loading…'}</small>
      </h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (text.trim()) void connection.call('addMessage', text).catch(() => {});
          setText('');
        }}
      >
        <input
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder="say something"
          maxLength={200}
        />
        <button type="submit">Send</button>
      </form>
      <ul data-testid="messages">
        {messages.slice(-8).map((m) => (
          <li key={m._id}>{String(m.text)}</li>
        ))}
      </ul>
    </section>
  );
}
