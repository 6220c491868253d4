// The status for a request node's HTTP parser refused before facet saw it: 408 for
// headers that did not arrive in time, 414 for a request line too long, 431 for headers
// too large, 400 for the rest (null: nobody to answer, the client is gone).
export function clientErrorStatus(err: Error & { code?: string; rawPacket?: Buffer }, maxHeaderSize: number): 400 | 408 | 414 | 431 | null {
  switch (err.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 408;
    case 'HPE_HEADER_OVERFLOW': {
      // node counts the request line against the header limit too; a request line that
      // alone takes more than half of it is the URL's fault
      const raw = err.rawPacket;
      const lineEnd = raw ? raw.indexOf('\r\n') : -1;
      const line = raw ? (lineEnd < 0 ? raw.length : lineEnd) : 0;
      return line > maxHeaderSize / 2 ? 414 : 431;
    }
    case 'ECONNRESET':
    case 'HPE_INVALID_EOF_STATE':
      return null;
    default:
      return 400;
  }
}

export const CLIENT_ERROR_REASONS: Readonly<Record<400 | 408 | 414 | 431, string>> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};
