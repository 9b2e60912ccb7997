/** The Fanout acceptance suite against the in-process bus. */
import { runFanoutTests } from './acceptance.ts';
import { createMemoryFanoutBus } from './memory.ts';

const bus = createMemoryFanoutBus();
runFanoutTests('memory', () => Promise.resolve(bus.join()));
