/* Status codes and the last error message.
 *
 * Library functions never exit(): they return MG_OK or an error code and
 * leave a message (naming the file, line and field where there is one) that
 * error_message() returns until the next error on the same thread. */
#ifndef MOEGAP_ERROR_H
#define MOEGAP_ERROR_H

enum {
    MG_OK = 0,
    MG_EINVAL = 1,  /* a value out of range or an unknown key */
    MG_EIO = 2,     /* a file could not be read or written */
    MG_EFORMAT = 3, /* a file's contents are not what was expected */
    MG_ENOMEM = 4,
    MG_ENUM = 5,    /* a NaN or an infinity appeared during training */
    MG_EINTR = 6    /* stopped by a signal, after writing a checkpoint */
};

/* Records a printf-style message and returns `code`, so callers can write
 * `return error_set(MG_EINVAL, "...", ...);`. */
int error_set(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prefixes the current message with more context ("file.ini: " + old). */
int error_prefix(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

const char *error_message(void);

#endif
