/** Tables as text (Markdown, CSV), shared by the result table, the report and the commands. */
package org.pclora.experiments.table;
