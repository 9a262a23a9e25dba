// Placeholder while the send pipeline is built (see infra/topology.ts): fails loudly if invoked.
export const handler = async (): Promise<never> => {
  throw new Error('Not implemented yet');
};
