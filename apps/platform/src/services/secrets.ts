// The platform's keyed hashes are the ones packages/store shares with the health-code system.
export { Secrets } from '@itinerary-card/store';
