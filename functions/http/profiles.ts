// Placeholder: replaced by the route handlers (see infra/topology.ts).
export const handler = async (): Promise<{ statusCode: number; body: string }> => ({
  statusCode: 501,
  body: JSON.stringify({ error: { code: 'NOT_IMPLEMENTED', message: 'Not implemented yet.' } }),
});
