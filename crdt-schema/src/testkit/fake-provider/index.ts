/**
 * A fake model provider for tests: OpenAI-compatible, Anthropic and Gemini
 * streaming formats with scripted scenarios and recorded requests, plus
 * their model lists and embeddings.
 */
export { startFakeProvider, type FakeProvider, type FakeProviderOptions, type FakeRequest } from './server.ts';
export { imagesOf, type FakeImage } from './images.ts';
export {
  DEFAULT_SCENARIO, SCENARIO_HEADER, lastUserText, scenarioMarker,
  type FakeFailure, type FakeToolCall, type Scenario, type ScenarioBook,
} from './scenario.ts';
export type { Outcome } from './writer.ts';
export { DEFAULT_MODELS, EMBEDDING_DIMENSIONS, FAKE_SYNONYMS, fakeEmbedding } from './catalog.ts';
