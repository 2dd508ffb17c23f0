/** The deterministic simulation, 3 nodes, seeds 1..500 (see suite.ts). */
import { simulationSuite } from './suite.js';

simulationSuite(3, 1);
