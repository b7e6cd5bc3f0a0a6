import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { bundleName, startLambdaEndpoint } from '../../../../cli/local/lambda-endpoint';

const savedEndpoint = process.env.AWS_ENDPOINT_URL;
afterEach(() => {
  if (savedEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL;
  else process.env.AWS_ENDPOINT_URL = savedEndpoint;
});

describe('the local Lambda endpoint', () => {
  it('maps names and ARNs of this stage to bundles', () => {
    expect(bundleName('keywarden-ci-rotate', 'ci')).toBe('rotate');
    expect(bundleName('arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotate', 'ci')).toBe('rotate');
    expect(bundleName('arn:aws:lambda:us-east-1:123456789012:function:keywarden-ci-rotate:$LATEST', 'ci')).toBe('rotate');
    expect(bundleName('emergency', 'ci')).toBe('emergency');
  });

  it('forwards every operation but Invoke to the local AWS, with its method, path, headers and body, and passes the answer back', async () => {
    const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];
    const localAws = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, auth: request.headers.authorization, body });
        response.writeHead(200, { 'Content-Type': 'application/json', 'x-amzn-requestid': 'r-1' });
        response.end('{"FunctionName":"team-tenant-1-orders-sync","RevisionId":"rev-2"}');
      });
    });
    await new Promise<void>((resolve) => localAws.listen(0, '127.0.0.1', resolve));
    process.env.AWS_ENDPOINT_URL = `http://127.0.0.1:${(localAws.address() as AddressInfo).port}`;
    const endpoint = await startLambdaEndpoint('ci');
    try {
      const answer = await fetch(`${endpoint.endpoint}/2015-03-31/functions/team-tenant-1-orders-sync/configuration`, {
        method: 'PUT',
        headers: { authorization: 'AWS4-HMAC-SHA256 Credential=x', 'content-type': 'application/json' },
        body: '{"Environment":{"Variables":{"A":"1"}}}',
      });
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-amzn-requestid')).toBe('r-1');
      expect(await answer.json()).toEqual({ FunctionName: 'team-tenant-1-orders-sync', RevisionId: 'rev-2' });
      expect(seen).toEqual([{ method: 'PUT', url: '/2015-03-31/functions/team-tenant-1-orders-sync/configuration', auth: 'AWS4-HMAC-SHA256 Credential=x', body: '{"Environment":{"Variables":{"A":"1"}}}' }]);
    } finally {
      await endpoint.close();
      localAws.close();
    }
  });

  it('answers 404 for another operation when there is no local AWS to forward it to', async () => {
    delete process.env.AWS_ENDPOINT_URL;
    const endpoint = await startLambdaEndpoint('ci');
    try {
      const answer = await fetch(`${endpoint.endpoint}/2015-03-31/functions/x/configuration`);
      expect(answer.status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});
