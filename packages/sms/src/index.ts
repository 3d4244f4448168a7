// The sms package's only door: the SmsTransport seam, the development outbox,
// the SMPP 3.4 transport and SMS encoding (test peers: `@itinerary-card/sms/testing`).
export * from './concat-reassembler.ts';
export * from './delivery-receipts.ts';
export * from './outbox-transport.ts';
export * from './smpp-config.ts';
export * from './smpp-transport.ts';
export * from './sms-encoding.ts';
export * from './sms-transport.ts';
