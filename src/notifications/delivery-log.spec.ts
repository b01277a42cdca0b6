import { DeliveryLog } from './delivery-log';

describe(DeliveryLog.name, () => {
  it('says a notification is delivered to a user the first time only, per user', () => {
    const sut = new DeliveryLog();
    expect(sut.first('1', '10', 1000)).toBe(true);
    expect(sut.first('1', '10', 1001)).toBe(false);
    expect(sut.first('2', '10', 1002)).toBe(true);
    expect(sut.first('1', '11', 1003)).toBe(true);
    expect(sut.size).toBe(3);
  });

  it('forgets deliveries older than the given time, and only those', () => {
    const sut = new DeliveryLog();
    sut.first('1', '10', 1000);
    sut.first('1', '11', 2000);
    sut.first('2', '12', 1500);

    sut.forget(1600);

    expect(sut.size).toBe(1);
    expect(sut.first('1', '10', 3000)).toBe(true);
    expect(sut.first('1', '11', 3000)).toBe(false);
    expect(sut.first('2', '12', 3000)).toBe(true);
  });
});
