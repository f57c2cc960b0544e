import { LocalFanout } from '../src/hub/fanout';
import { fanoutContract } from './fanout-contract';

// One process is a cluster of one node.
fanoutContract('LocalFanout', async () => {
  const node = new LocalFanout();
  return { nodes: [node], close: () => node.close() };
});
