/**
 * Training and evaluation: the {@code Trainer} loop (whose {@code step} is also what {@code pclora
 * bench train} times), the teacher-student {@code Objective}, checkpoints for resuming and typed
 * {@code TrainingSettings}.
 */
package org.pclora.core.train;
