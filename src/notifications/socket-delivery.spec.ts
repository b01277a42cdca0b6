import { compareIds, SocketDelivery } from './socket-delivery';

interface Message {
  id: string;
}

function setup(replaying: boolean) {
  const sent: string[] = [];
  const sut = new SocketDelivery<Message>(
    (message) => message.id,
    (message) => sent.push(message.id),
    { replaying },
  );
  return { sut, sent };
}

const m = (...ids: string[]) => ids.map((id) => ({ id }));

describe(SocketDelivery.name, () => {
  it('sends live messages at once when there is no replay', () => {
    const { sut, sent } = setup(false);
    sut.live({ id: '5' });
    sut.live({ id: '6' });
    expect(sent).toEqual(['5', '6']);
    expect(sut.replaying).toBe(false);
  });

  it('holds live messages during the replay and sends them after it, in id order', () => {
    const { sut, sent } = setup(true);
    sut.live({ id: '12' });
    sut.live({ id: '11' });
    expect(sent).toEqual([]);
    sut.replay(m('8', '9'));
    sut.replay(m('10'));
    expect(sent).toEqual(['8', '9', '10']);
    sut.finishReplay();
    expect(sent).toEqual(['8', '9', '10', '11', '12']);
  });

  it('drops a live message the replay already sent, whether it came during the replay or after', () => {
    const { sut, sent } = setup(true);
    sut.live({ id: '10' });
    sut.replay(m('9', '10'));
    sut.finishReplay();
    sut.live({ id: '9' });
    sut.live({ id: '11' });
    expect(sent).toEqual(['9', '10', '11']);
  });

  it('sends a replayed page once even if pages overlap', () => {
    const { sut, sent } = setup(true);
    sut.replay(m('1', '2'));
    sut.replay(m('2', '3'));
    sut.finishReplay();
    expect(sent).toEqual(['1', '2', '3']);
  });

  it('flushes what it held when the replay ends without rows (or failed)', () => {
    const { sut, sent } = setup(true);
    sut.live({ id: '4' });
    sut.finishReplay();
    expect(sent).toEqual(['4']);
    expect(() => sut.replay(m('5'))).toThrow(/after finishReplay/);
  });

  it('orders ids numerically, not as text', () => {
    expect(['10', '9', '100', '9223372036854775807'].sort(compareIds)).toEqual(['9', '10', '100', '9223372036854775807']);
  });
});
