/**
 * A raw character that drives a terminal or reorders text: C0 controls but tab and line feed,
 * DEL, C1 controls, bidirectional marks, embeddings, overrides and isolates. What keywarden
 * prints or sends from record-derived text must hold none.
 */
// eslint-disable-next-line no-control-regex
export const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;
