/**
 * WordPiece tokenisation compatible with HF's BERT tokenizers ({@code vocab.txt} and {@code
 * tokenizer.json}).
 */
package org.pclora.bert.tokenizer;
