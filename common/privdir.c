/* privdir.c - private data directories and files (privdir.h). */
#include "privdir.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_errno.h"
#include "log.h"

int fs__privdir_check(const char *dir, int create) {
  struct stat st;

  if (dir == NULL || *dir == '\0')
    return FS_EINVAL;
  if (create && mkdir(dir, 0700) != 0 && errno != EEXIST) {
    FS_ERROR(
        "cannot create the data directory %s: %s; create its parent or choose another "
        "directory",
        dir, strerror(errno));
    return FS_EIO;
  }
  if (stat(dir, &st) != 0) {
    if (errno == ENOENT && !create)
      return FS_ENOTFOUND;
    FS_ERROR("cannot reach the data directory %s: %s", dir, strerror(errno));
    return FS_EIO;
  }
  if (!S_ISDIR(st.st_mode)) {
    FS_ERROR("the data directory %s is not a directory; choose another path", dir);
    return FS_EIO;
  }
  if (st.st_uid != geteuid() && geteuid() != 0) {
    FS_ERROR("the data directory %s belongs to another user (uid %ld), who can read "
             "everything stored in it; refusing to use it: run as that user, or choose a "
             "directory of your own (it is created with mode 0700)",
             dir, (long)st.st_uid);
    return FS_EIO;
  }
  if (st.st_mode & 077) {
    /* mkdir above applies the umask only: a directory made under 0 or one
     * made by hand (0755) is tightened here too.  Only group and other
     * bits go: the owner's own choice (e.g. a read-only 0555) stays. */
    mode_t to = st.st_mode & 0700;
    if (chmod(dir, to) != 0) {
      FS_ERROR(
          "the data directory %s is open to other users (mode %04o) and cannot be made "
          "private: %s; run chmod go= %s",
          dir, (unsigned)(st.st_mode & 07777), strerror(errno), dir);
      return FS_EIO;
    }
    FS_WARN(
        "the data directory %s was open to other users (mode %04o); changed it to %04o",
        dir, (unsigned)(st.st_mode & 07777), (unsigned)to);
  }
  return 0;
}

int fs__privfile_fix(const char *path, int create) {
  struct stat st;
  int fd;

  if (path == NULL || *path == '\0')
    return FS_EINVAL;
  if (create) {
    /* A new file gets exactly 0600 whatever the umask (the mode of open is
     * reduced by it); an existing one is kept and checked below. */
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd >= 0) {
      if (fchmod(fd, 0600) != 0)
        FS_WARN("cannot set the mode of %s to 0600: %s", path, strerror(errno));
      close(fd);
    } else if (errno != EEXIST) {
      FS_ERROR("cannot create %s: %s", path, strerror(errno));
      return FS_EIO;
    }
  }
  if (lstat(path, &st) != 0) {
    if (errno == ENOENT)
      return 0;
    FS_ERROR("cannot reach %s: %s", path, strerror(errno));
    return FS_EIO;
  }
  if (!S_ISREG(st.st_mode) || !(st.st_mode & 077))
    return 0;
  /* 0644 -> 0600, a read-only 0444 -> 0400: only group and other bits go. */
  if (chmod(path, st.st_mode & 0700) != 0) {
    FS_ERROR(
        "%s is readable by other users (mode %04o) and cannot be made private: %s; run "
        "chmod go= %s",
        path, (unsigned)(st.st_mode & 07777), strerror(errno), path);
    return FS_EIO;
  }
  FS_WARN("%s was readable by other users (mode %04o); changed it to %04o", path,
          (unsigned)(st.st_mode & 07777), (unsigned)(st.st_mode & 0700));
  return 0;
}

void fs__dir_sync_of(const char *path) {
  char dir[PATH_MAX];
  const char *slash = strrchr(path, '/');
  int fd;

  if (slash == NULL)
    snprintf(dir, sizeof(dir), ".");
  else if (slash == path)
    snprintf(dir, sizeof(dir), "/");
  else
    snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
  fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0) {
    (void)fsync(fd);
    close(fd);
  }
}
