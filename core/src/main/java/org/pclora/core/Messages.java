package org.pclora.core;

/** Messages shown to a user: one line each. */
public final class Messages {
    private Messages() {
    }

    /**
     * {@code message} on one line: each line break, with the blanks around it, becomes one space,
     * and the ends are trimmed; null becomes "".
     */
    public static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
