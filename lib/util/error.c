#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char last_message[1024];

enum { HEAD_KEPT = 400 };

/* Stores `text` (len bytes) as the last message. One too long to hold
 * (a path of thousands of bytes) loses its middle, not its end: the head
 * names the place, the tail says what went wrong there. */
static void store(const char *text, size_t len)
{
    if (len < sizeof last_message) {
        memcpy(last_message, text, len + 1);
        return;
    }
    static const char cut[] = " ... ";
    size_t tail = sizeof last_message - 1 - HEAD_KEPT - (sizeof cut - 1);
    memcpy(last_message, text, HEAD_KEPT);
    memcpy(last_message + HEAD_KEPT, cut, sizeof cut - 1);
    memcpy(last_message + HEAD_KEPT + sizeof cut - 1, text + len - tail, tail + 1);
}

/* Formats into buf[cap] and returns the length written; what does not
 * fit is dropped from the end, which for the scratch buffers below only a
 * message of many kilobytes reaches. */
static size_t format_into(char *buf, size_t cap, const char *fmt, va_list ap)
{
    int n = vsnprintf(buf, cap, fmt, ap);
    size_t len = n < 0 ? 0 : (size_t)n < cap ? (size_t)n : cap - 1;
    buf[len] = '\0';
    return len;
}

int error_set(int code, const char *fmt, ...)
{
    static _Thread_local char full[16384];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_into(full, sizeof full, fmt, ap);
    va_end(ap);
    store(full, len);
    return code;
}

int error_prefix(int code, const char *fmt, ...)
{
    static _Thread_local char full[512 + sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    size_t len = format_into(full, 512, fmt, ap);
    va_end(ap);
    size_t old = strlen(last_message);
    memcpy(full + len, last_message, old + 1);
    store(full, len + old);
    return code;
}

const char *error_message(void)
{
    return last_message[0] ? last_message : "no error";
}
