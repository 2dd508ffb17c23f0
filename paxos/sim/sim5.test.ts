/** The deterministic simulation, 5 nodes, seeds 100001..100500: half fixed regime, half swarm (see suite.ts). */
import { simulationSuite } from './suite.js';

simulationSuite(5, 100_001);
