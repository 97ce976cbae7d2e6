/**
 * Model family {@code bert}: HF {@code BertForSequenceClassification}, declared on core's model
 * kit (named sizes, config keys, HF names, TF readers).
 */
package org.pclora.bert;
