package org.pclora.experiments.table;

import java.util.List;

/** A table as text: Markdown (for reports and the terminal) or CSV (RFC 4180), written in one place. */
public final class Table {
    private Table() {
    }

    /** A Markdown table; a cell's {@code |} is escaped and its line breaks become spaces. */
    public static String markdown(List<String> headers, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append("| ").append(String.join(" | ", headers.stream().map(Table::cell).toList())).append(" |\n");
        sb.append("|").append("---|".repeat(headers.size())).append('\n');
        for (List<String> row : rows) {
            sb.append("| ").append(String.join(" | ", row.stream().map(Table::cell).toList())).append(" |\n");
        }
        return sb.toString();
    }

    /** CSV with RFC 4180 quoting (a field with a comma, quote or line break is quoted). */
    public static String csv(List<String> headers, List<List<String>> rows) {
        StringBuilder sb = new StringBuilder();
        sb.append(String.join(",", headers.stream().map(Table::quote).toList())).append('\n');
        for (List<String> row : rows) {
            sb.append(String.join(",", row.stream().map(Table::quote).toList())).append('\n');
        }
        return sb.toString();
    }

    private static String cell(String v) {
        return v.replace("|", "\\|").replace("\r\n", " ").replace('\n', ' ').replace('\r', ' ');
    }

    private static String quote(String v) {
        return v.contains(",") || v.contains("\"") || v.contains("\n") || v.contains("\r")
                ? "\"" + v.replace("\"", "\"\"") + "\"" : v;
    }
}
