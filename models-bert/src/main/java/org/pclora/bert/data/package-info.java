/**
 * Text dataset plugins (fortunes, IMDb, GLUE TSV, CSV, JSONL), tokenised for a BERT architecture.
 */
package org.pclora.bert.data;
