import { PathExt } from '@jupyterlab/coreutils';
import { Contents } from '@jupyterlab/services';

import { isTraceDocument } from '../schema/guards';
import { IViewerItem } from './widget';

/** The dataset files the viewer opens records of. */
export const RECORD_FILES = ['traces.jsonl', 'translated.jsonl'];

type Json = Record<string, unknown>;

/** The records of a JSONL text; malformed lines are skipped. */
export function parseJsonl(text: string): Json[] {
  const records: Json[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) {
      continue;
    }
    try {
      const value = JSON.parse(line);
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        records.push(value as Json);
      }
    } catch {
      // a line cut by a killed writer: the stages skip it too
    }
  }
  return records;
}

/** A record by id, or by index when `pick` is `#N` or a number that is no id. */
export function pickRecord(records: Json[], pick: string): Json | null {
  const byId = records.find(record => String(record['id']) === pick);
  if (byId) {
    return byId;
  }
  const index = /^#?(\d+)$/.exec(pick.trim());
  return index ? (records[Number(index[1])] ?? null) : null;
}

async function readJsonl(
  contents: Contents.IManager,
  path: string
): Promise<Json[] | null> {
  try {
    const model = await contents.get(path, {
      content: true,
      type: 'file',
      format: 'text'
    });
    return parseJsonl(String(model.content ?? ''));
  } catch {
    return null;
  }
}

/** Reads a records file once: its records, for the picker and the item. */
export async function readRecords(
  contents: Contents.IManager,
  path: string
): Promise<Json[]> {
  const records = await readJsonl(contents, path);
  if (records === null) {
    throw new Error(`Could not read ${path}.`);
  }
  return records;
}

/**
 * The viewer item of one record of traces.jsonl or translated.jsonl, completed from the
 * folder's other files (documents.jsonl for the structured trace, the trace record, the
 * translation), each read once.
 */
export async function itemFromRecord(
  contents: Contents.IManager,
  path: string,
  record: Json
): Promise<IViewerItem> {
  const folder = PathExt.dirname(path);
  const id = String(record['id']);
  const isTranslation = PathExt.basename(path) === 'translated.jsonl';
  const other = await readJsonl(
    contents,
    PathExt.join(folder, isTranslation ? 'traces.jsonl' : 'translated.jsonl')
  );
  const otherRecord = other?.find(r => String(r['id']) === id) ?? null;
  let document = isTraceDocument(record['document'])
    ? record['document']
    : null;
  if (!document) {
    const documents = await readJsonl(
      contents,
      PathExt.join(folder, 'documents.jsonl')
    );
    const found = documents?.find(r => String(r['id']) === id)?.['document'];
    document = isTraceDocument(found) ? found : null;
  }
  const trace = isTranslation ? (otherRecord ?? record) : record;
  return {
    title: id,
    document,
    record: trace,
    translation: isTranslation ? record : otherRecord
  };
}
