// Files over Paca's presigned flow, for any owner that has the routes: `initiate-upload` answers
// signed URLs, the bytes go straight to them (Corral's `/storage` or an S3 bucket) with
// XMLHttpRequest for upload progress, then `complete-upload` attaches the file. Task attachments
// are here (also their download URLs and deletion); documents' files are in `docFiles.ts`.

import { ApiError, api } from './client';
import type { Attachment, UploadSession } from './types';

/** Paca's part size: the server numbers the parts by it, so it must be exactly this. */
export const PART_SIZE = 5 * 1024 * 1024;
/** Parts uploaded at once. */
const PARTS_IN_FLIGHT = 3;

const attachments = (project: string, task: string) => `/projects/${project}/tasks/${task}/attachments`;

export interface UploadOptions {
  /** Bytes sent so far out of the file's size, summed over its parts. */
  onProgress?: (sent: number, total: number) => void;
  signal?: AbortSignal;
}

/** The two routes of one owner's presigned flow (a task's attachments, a document's files). */
export interface UploadRoutes {
  initiate: string;
  complete: string;
}

/** The flow's routes under `path` (`{path}/initiate-upload`, `{path}/complete-upload`). */
export const uploadRoutes = (path: string): UploadRoutes => ({ initiate: `${path}/initiate-upload`, complete: `${path}/complete-upload` });

/** Uploads `file` and attaches it to the task; the new attachment. */
export function uploadAttachment(project: string, task: string, file: File, opts: UploadOptions = {}): Promise<Attachment> {
  return uploadFile<Attachment>(uploadRoutes(attachments(project, task)), file, opts);
}

/** Uploads `file` through the presigned flow at `routes`; what `complete-upload` answers. */
export async function uploadFile<T>(routes: UploadRoutes, file: File, opts: UploadOptions = {}): Promise<T> {
  // The server refuses an empty file with a message for programs.
  if (file.size === 0) throw new ApiError(0, 'FILE_EMPTY', 'The file is empty.');
  const contentType = file.type || 'application/octet-stream';
  const session = await api.post<UploadSession>(
    routes.initiate,
    { file_name: file.name, content_type: contentType, file_size: file.size },
    { signal: opts.signal },
  );
  const progress = new Progress(file.size, opts.onProgress);

  if (session.is_multipart && session.multipart) {
    const { upload_id, parts } = session.multipart;
    const expected = Math.ceil(file.size / PART_SIZE);
    if (parts.length !== expected) {
      throw new ApiError(0, 'UPLOAD_PARTS_UNEXPECTED', `The server asked for ${parts.length} parts; this page sends ${expected} parts of 5 MiB.`);
    }
    const etags = await inParallel(parts, PARTS_IN_FLIGHT, opts.signal, async (part, signal) => {
      const from = (part.part_number - 1) * PART_SIZE;
      const body = file.slice(from, Math.min(from + PART_SIZE, file.size));
      const etag = await putWithRetry(part.upload_url, body, contentType, (sent) => progress.set(part.part_number, sent), signal);
      if (!etag) {
        throw new ApiError(0, 'UPLOAD_ETAG_MISSING', `The storage did not say the ETag of part ${part.part_number}; it must expose the ETag header to this page (CORS).`);
      }
      return { part_number: part.part_number, etag };
    });
    return api.post<T>(routes.complete, { file_id: session.file_id, upload_id, parts: etags }, { signal: opts.signal });
  }

  if (!session.upload_url) throw new ApiError(0, 'UPLOAD_URL_MISSING', 'The server gave no address to upload the file to.');
  await putWithRetry(session.upload_url, file, contentType, (sent) => progress.set(1, sent), opts.signal);
  return api.post<T>(routes.complete, { file_id: session.file_id }, { signal: opts.signal });
}

/** A signed URL to the attachment's bytes: shown in the page, or (`download`) saved as a file. */
export function downloadUrl(project: string, task: string, attachment: string, download: boolean): Promise<string> {
  const query = download ? '?download=true' : '';
  return api.get<{ url: string }>(`${attachments(project, task)}/${attachment}/download-url${query}`).then((r) => r.url);
}

export function deleteAttachment(project: string, task: string, attachment: string): Promise<void> {
  return api.del<void>(`${attachments(project, task)}/${attachment}`);
}

/** The bytes sent of each part, reported as one sum. */
class Progress {
  private sent = new Map<number, number>();

  constructor(
    private total: number,
    private report?: (sent: number, total: number) => void,
  ) {}

  set(part: number, sent: number) {
    this.sent.set(part, sent);
    let sum = 0;
    for (const n of this.sent.values()) sum += n;
    this.report?.(Math.min(sum, this.total), this.total);
  }
}

/**
 * Runs `work` on every item with at most `limit` at once, in order of the items; the results in
 * the items' order. The first failure stops the others (their requests are aborted).
 */
async function inParallel<T, R>(
  items: T[],
  limit: number,
  outer: AbortSignal | undefined,
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  outer?.addEventListener('abort', onAbort);
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    try {
      while (next < items.length) {
        stop.signal.throwIfAborted();
        const i = next++;
        results[i] = await work(items[i], stop.signal);
      }
    } catch (err) {
      if (!stop.signal.aborted) stop.abort(err);
      throw err;
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
  } finally {
    outer?.removeEventListener('abort', onAbort);
  }
}

/** PUTs `body` to a signed URL, once more after a failure that may pass (network, 408, 429, 5xx). */
async function putWithRetry(url: string, body: Blob, contentType: string, onSent: (sent: number) => void, signal?: AbortSignal): Promise<string | null> {
  try {
    return await put(url, body, contentType, onSent, signal);
  } catch (err) {
    if (signal?.aborted || !(err instanceof ApiError) || !transient(err.status)) throw err;
    onSent(0);
    return put(url, body, contentType, onSent, signal);
  }
}

const transient = (status: number) => status === 0 || status === 408 || status === 429 || status >= 500;

/**
 * One PUT with XMLHttpRequest (fetch reports no upload progress); the response's ETag. The URL is
 * signed, so it goes as it is, without the session's credentials.
 */
function put(url: string, body: Blob, contentType: string, onSent: (sent: number) => void, signal?: AbortSignal): Promise<string | null> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason ?? new DOMException('Aborted', 'AbortError'));
      return;
    }
    const xhr = new XMLHttpRequest();
    const onAbort = () => xhr.abort();
    signal?.addEventListener('abort', onAbort);
    const done = () => signal?.removeEventListener('abort', onAbort);
    xhr.open('PUT', url);
    xhr.setRequestHeader('Content-Type', contentType);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      done();
      if (xhr.status >= 200 && xhr.status < 300) {
        onSent(body.size);
        resolve(xhr.getResponseHeader('ETag'));
      } else {
        reject(storageError(xhr));
      }
    };
    xhr.onerror = () => {
      done();
      reject(new ApiError(0, 'UPLOAD_NETWORK_ERROR', 'The upload did not reach the storage (network error).'));
    };
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => {
      done();
      reject(signal?.reason ?? new DOMException('Aborted', 'AbortError'));
    };
    xhr.send(body);
  });
}

/** The storage's refusal: Corral's envelope (`/storage`), S3's XML `<Code>`/`<Message>`, or the status. */
function storageError(xhr: XMLHttpRequest): ApiError {
  const text = xhr.responseText ?? '';
  try {
    const json = JSON.parse(text);
    if (json && typeof json.error === 'string') return new ApiError(xhr.status, json.error_code ?? `HTTP_${xhr.status}`, json.error);
  } catch {
    /* not JSON */
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  if (code) return new ApiError(xhr.status, code, message || code);
  return new ApiError(xhr.status, `HTTP_${xhr.status}`, `The storage refused the upload (${xhr.status}${xhr.statusText ? ` ${xhr.statusText}` : ''}).`);
}
