#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/file.h"
#include "io/source.h"

/* What a non-regular file is, for the refusal message. */
static const struct {
    mode_t type;
    const char *name;
} file_kinds[] = {
    {S_IFIFO, "a FIFO or pipe"},  {S_IFCHR, "a character device"},
    {S_IFBLK, "a block device"},  {S_IFDIR, "a directory"},
    {S_IFSOCK, "a socket"},
};

/*
 * The directory holding path's last component, for a path the kernel refuses
 * as too long: the longest start of it that fits PATH_MAX is opened at once,
 * the rest one directory at a time with openat (symbolic links followed, as a
 * plain open would). *name is the last component ("." after a final '/').
 * A descriptor the caller closes, or -1 with errno.
 */
static int open_parent(const char *path, const char **name)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        errno = ENAMETOOLONG; /* one component longer than NAME_MAX */
        return -1;
    }
    *name = slash[1] ? slash + 1 : ".";
    size_t dirlen = (size_t)(slash - path), cut = 0;
    for (size_t i = dirlen < PATH_MAX - 1 ? dirlen : PATH_MAX - 1; i > 0; i--)
        if (path[i] == '/') {
            cut = i;
            break;
        }
    int fd;
    if (cut > 0) {
        char *start = strndup(path, cut);
        if (!start) {
            errno = ENOMEM;
            return -1;
        }
        fd = open(start, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        free(start);
    } else {
        fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    char comp[NAME_MAX + 1];
    for (size_t i = cut; fd >= 0 && i < dirlen;) {
        while (i < dirlen && path[i] == '/')
            i++;
        size_t n = 0;
        while (i + n < dirlen && path[i + n] != '/')
            n++;
        if (n == 0)
            break;
        if (n > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(comp, path + i, n);
        comp[n] = '\0';
        int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        int saved = errno;
        close(fd);
        errno = saved;
        fd = next;
        i += n;
    }
    return fd;
}

int ds_path_open(const char *path, int flags)
{
    int fd = open(path, flags);
    if (fd >= 0 || errno != ENAMETOOLONG)
        return fd;
    const char *name;
    int dir = open_parent(path, &name);
    if (dir < 0)
        return -1;
    fd = openat(dir, name, flags);
    int saved = errno;
    close(dir);
    errno = saved;
    return fd;
}

int ds_path_stat(const char *path, struct stat *st)
{
    if (stat(path, st) == 0)
        return 0;
    if (errno != ENAMETOOLONG)
        return -1;
    const char *name;
    int dir = open_parent(path, &name);
    if (dir < 0)
        return -1;
    int rc = fstatat(dir, name, st, 0);
    int saved = errno;
    close(dir);
    errno = saved;
    return rc;
}

int ds_file_open(const char *path, uint64_t *size, ds_error *err)
{
    int fd = ds_path_open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        ds_set_errno(err, errno);
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        ds_set_errno(err, errno);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *kind = "not a file";
        for (size_t i = 0; i < sizeof file_kinds / sizeof file_kinds[0]; i++)
            if ((st.st_mode & S_IFMT) == file_kinds[i].type)
                kind = file_kinds[i].name;
        ds_set_error(err, DS_E_NOT_REGULAR, "not a regular file (%s)", kind);
        close(fd);
        return -1;
    }
    if (size)
        *size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
    return fd;
}

ssize_t ds_file_pread(int fd, void *buf, size_t len, uint64_t off)
{
    size_t got = 0;
    while (got < len) {
        if (off + got > (uint64_t)INT64_MAX)
            break;
        ssize_t n = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return got ? (ssize_t)got : -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int ds_file_load(const char *path, uint64_t max, uint8_t **data, size_t *size,
                 ds_error *err)
{
    *data = NULL;
    *size = 0;
    uint64_t n;
    int fd = ds_file_open(path, &n, err);
    if (fd < 0)
        return -1;
    if (n > max || n >= SIZE_MAX) {
        ds_set_error(err, DS_E_TOO_LARGE, "file too large (%llu bytes, limit %llu)", (unsigned long long)n,
                     (unsigned long long)max);
        close(fd);
        return -1;
    }
    uint8_t *buf = malloc((size_t)n + 1);
    if (!buf) {
        ds_set_error(err, DS_E_NOMEM, "out of memory");
        close(fd);
        return -1;
    }
    ssize_t got = ds_file_pread(fd, buf, (size_t)n, 0);
    close(fd);
    if (got < 0) {
        ds_set_error(err, DS_E_IO, "read error: %s", strerror(errno));
        free(buf);
        return -1;
    }
    /* A file that shrank since fstat is simply shorter: keep what was read. */
    buf[got] = '\0';
    *data = buf;
    *size = (size_t)got;
    return 0;
}
