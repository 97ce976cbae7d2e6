/**
 * Model family {@code vit}: HF {@code ViTForImageClassification}, declared on core's model kit
 * (named sizes, config keys, HF names, position-embedding resizing).
 */
package org.pclora.vit;
