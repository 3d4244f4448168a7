// The domain package's wire door (`@itinerary-card/domain/wire`): each JSON body
// that crosses a process boundary, as one TypeBox schema and the type derived from
// it. A separate door, so that only what imports it loads TypeBox.
export * from './is-itinerary-answer.ts';
export * from './itinerary-answer.ts';
export * from './node-itinerary.ts';
