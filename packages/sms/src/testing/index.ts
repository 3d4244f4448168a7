// Test peers and helpers, behind `@itinerary-card/sms/testing` so no production
// entry point carries them: the in-repo SMSC simulator, the Net::SMPP peer, and
// a decoder of what the transport put on the wire.
export { type DecodedPart, decodeSms } from './decode-sms.ts';
export { type PerlEvent, PerlSmsc } from './perl-smsc.ts';
export * from './smsc-simulator.ts';
