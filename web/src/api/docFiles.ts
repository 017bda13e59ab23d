// A document's files (images and other files in its blocks) over the presigned flow of
// `files.ts`, and the `docfile://{projectId}/{docId}/{fileId}` URLs that blocks keep for them.
// The scheme is Paca's web client's, so a document written by either client shows its files in
// both; a block never keeps a signed URL, which expires, but asks for one when it is shown.

import { ApiError, api } from './client';
import { uploadFile, uploadRoutes, type UploadOptions } from './files';
import type { StoredFile } from './types';

const SCHEME = 'docfile://';

/**
 * How long a signed URL is reused: less than the 15 minutes it is valid
 * (`FILE_DOWNLOAD_URL_TTL`), so an image shown from the cache still has time to load.
 */
const URL_REUSE_MS = 10 * 60 * 1000;

const files = (project: string, doc: string) => `/projects/${project}/docs/${doc}/files`;

/** Uploads `file` into the document; the stored file. */
export function uploadDocFile(project: string, doc: string, file: File, opts: UploadOptions = {}): Promise<StoredFile> {
  return uploadFile<StoredFile>(uploadRoutes(files(project, doc)), file, opts);
}

/** The URL a block keeps for the document's file. */
export const docFileUrl = (project: string, doc: string, file: string) => `${SCHEME}${project}/${doc}/${file}`;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The ids in a `docfile://` URL; null for any other URL. Throws on a malformed one. */
export function parseDocFileUrl(url: string): { project: string; doc: string; file: string } | null {
  if (!url.startsWith(SCHEME)) return null;
  const ids = url.slice(SCHEME.length).split('/');
  // The ids go into an API path: nothing but three UUIDs.
  if (ids.length !== 3 || !ids.every((id) => UUID.test(id))) {
    throw new ApiError(0, 'DOC_FILE_URL_INVALID', `Not a document file: ${url}`);
  }
  const [project, doc, file] = ids;
  return { project, doc, file };
}

const signed = new Map<string, { url: Promise<string>; until: number }>();

/**
 * The URL to show or download a block's file: a `docfile://` URL becomes a signed URL from
 * `download-url` (reused for a while: BlockNote asks again each time the block renders); any
 * other URL is returned as it is.
 */
export function resolveDocFileUrl(url: string): Promise<string> {
  const ids = parseDocFileUrl(url);
  if (!ids) return Promise.resolve(url);
  const now = Date.now();
  const cached = signed.get(url);
  if (cached && cached.until > now) return cached.url;
  for (const [key, entry] of signed) if (entry.until <= now) signed.delete(key);
  const request = api.get<{ url: string }>(`${files(ids.project, ids.doc)}/${ids.file}/download-url`).then((r) => r.url);
  const entry = { url: request, until: now + URL_REUSE_MS };
  signed.set(url, entry);
  // A failure is not kept: the next render asks again.
  request.catch(() => signed.get(url) === entry && signed.delete(url));
  return request;
}
