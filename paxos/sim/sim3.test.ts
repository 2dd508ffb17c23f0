/** The deterministic simulation, 3 nodes, seeds 1..500: half fixed regime, half swarm (see suite.ts). */
import { simulationSuite } from './suite.js';

simulationSuite(3, 1);
