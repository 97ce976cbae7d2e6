/**
 * Image dataset plugins (Fashion-MNIST, IDX, CIFAR, image folders) and their preprocessing for a
 * ViT architecture.
 */
package org.pclora.vit.data;
