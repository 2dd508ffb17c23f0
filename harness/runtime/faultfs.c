/*
 * faultfs: the disk under a node, with the faults a real disk has. A FUSE passthrough mounted
 * over a node's data dir (it opens the dir first and keeps serving the files beneath its own
 * mount), so the node reads and writes its usual files while the harness controls durability:
 *
 *   lose <all|torn> <seed>  power loss: every write (and truncate, fallocate) not yet made
 *                           durable by fsync/fdatasync or an O_SYNC/O_DSYNC write is undone,
 *                           newest first, and the disk goes down (every change fails with EIO)
 *                           until `up`. `torn`: each file keeps a random prefix of its
 *                           unsynced writes, the last one cut at a 512-byte sector boundary.
 *   up                      the disk is back (after the harness killed the node)
 *   slow <min> <max> <seed> every fsync/fdatasync and O_SYNC/O_DSYNC write waits min..max ms
 *   fast                    no more waiting
 *   stats                   writes and bytes not yet durable
 *
 * Commands come one per line on stdin; each gets one line on stdout ("ok ..." or "error ...").
 * "ready" is printed once the mount serves. EOF on stdin (the harness is gone) unmounts and
 * exits, so a dead harness never leaves a mount behind.
 *
 * Writes go through to the files at once; what makes them undoable is an undo log per inode
 * (the bytes and size each write replaced), dropped up to the point a sync covered. Undoing a
 * suffix of that log, newest first, gives back the file exactly as its last sync left it.
 * Like Linux's writeback (dirty_expire_centisecs), a write older than WRITEBACK_MS counts as
 * on disk even unsynced: a log file nobody fsyncs is not lost whole, and memory stays bounded.
 * Not modelled: metadata (create, rename, unlink, mkdir take effect when they return, as on a
 * filesystem mounted dirsync) and reordering of unsynced writes within a file (a torn loss
 * keeps a prefix, never a subset).
 *
 * Build: cc -O2 -Wall -o faultfs faultfs.c $(pkg-config --cflags --libs fuse3)
 */
#define FUSE_USE_VERSION 31
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fuse.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define SECTOR 512
#define WRITEBACK_MS 30000

struct undo {
  uint64_t seq;
  uint64_t at_ms;   /* CLOCK_MONOTONIC, for writeback */
  off_t off;        /* where the change began */
  off_t old_size;   /* file size before it */
  size_t written;   /* bytes the write put at off (0: a truncate or fallocate) */
  size_t saved;     /* bytes of old content kept from off */
  char *old;
};

struct inode {
  dev_t dev;
  ino_t ino;
  int fd; /* our own, so the file can be restored even after the node closed it */
  struct undo *log;
  size_t len, cap;
};

struct handle {
  int fd;
};

static int root = -1;
static const char *mountpoint;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct inode *inodes;
static size_t n_inodes, cap_inodes;
static uint64_t seq;
static uint64_t epoch; /* bumped by each loss: a sync that began before it must not count */
static int down;
static long slow_min, slow_max;
static uint64_t rng_state = 1;

static uint64_t next_random(void) { /* xorshift64*: seeded per command, so runs replay */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 2685821657736338717ULL;
}

static void seed_random(uint64_t s) { rng_state = s ? s : 0x9E3779B97F4A7C15ULL; }

static const char *rel(const char *path) { return path[1] ? path + 1 : "."; }

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void forget(struct inode *in, size_t upto);

static struct handle *fh(struct fuse_file_info *fi) { return (struct handle *)(uintptr_t)fi->fh; }

static void die(const char *what) {
  perror(what);
  exit(1);
}

/* The inode record of fd's file, made on first need. Called with the lock held. */
static struct inode *inode_of(int fd) {
  struct stat st;
  if (fstat(fd, &st) != 0) return NULL;
  for (size_t i = 0; i < n_inodes; i++)
    if (inodes[i].dev == st.st_dev && inodes[i].ino == st.st_ino) return &inodes[i];
  if (n_inodes == cap_inodes) {
    cap_inodes = cap_inodes ? 2 * cap_inodes : 16;
    inodes = realloc(inodes, cap_inodes * sizeof *inodes);
    if (!inodes) die("realloc");
  }
  int own = dup(fd);
  if (own < 0) return NULL;
  inodes[n_inodes] = (struct inode){.dev = st.st_dev, .ino = st.st_ino, .fd = own};
  return &inodes[n_inodes++];
}

/* Saves what [off, off+len) and the size were before a change. Called with the lock held. */
static int remember(struct inode *in, off_t off, size_t len, size_t written) {
  struct stat st;
  if (fstat(in->fd, &st) != 0) return -errno;
  uint64_t now = now_ms();
  size_t old = 0; /* written back by now */
  while (old < in->len && in->log[old].at_ms + WRITEBACK_MS <= now) old++;
  if (old > 0) forget(in, old);
  struct undo u = {.seq = ++seq, .at_ms = now, .off = off, .old_size = st.st_size, .written = written};
  if (off < st.st_size && len > 0) {
    u.saved = (size_t)(st.st_size - off) < len ? (size_t)(st.st_size - off) : len;
    u.old = malloc(u.saved);
    if (!u.old) return -ENOMEM;
    ssize_t got = pread(in->fd, u.old, u.saved, off);
    if (got < 0) {
      free(u.old);
      return -errno;
    }
    u.saved = (size_t)got;
  }
  if (in->len == in->cap) {
    in->cap = in->cap ? 2 * in->cap : 8;
    in->log = realloc(in->log, in->cap * sizeof *in->log);
    if (!in->log) die("realloc");
  }
  in->log[in->len++] = u;
  return 0;
}

/* Puts back the file as it was before u: size first, then the bytes u overwrote. */
static void undo(struct inode *in, const struct undo *u) {
  if (ftruncate(in->fd, u->old_size) != 0) perror("faultfs: undo truncate");
  if (u->saved && pwrite(in->fd, u->old, u->saved, u->off) != (ssize_t)u->saved) perror("faultfs: undo write");
}

/* Keeps the part of write u before a random sector boundary inside it, undoes the rest. */
static void tear(struct inode *in, const struct undo *u) {
  off_t first = (u->off / SECTOR + 1) * SECTOR, end = u->off + (off_t)u->written;
  if (u->written == 0 || first >= end) return undo(in, u); /* nothing to keep part of */
  off_t cut = first + (off_t)(next_random() % (uint64_t)((end - first + SECTOR - 1) / SECTOR)) * SECTOR;
  off_t saved_end = u->off + (off_t)u->saved;
  if (cut < saved_end && pwrite(in->fd, u->old + (cut - u->off), (size_t)(saved_end - cut), cut) < 0) perror("faultfs: tear");
  if (ftruncate(in->fd, u->old_size > cut ? u->old_size : cut) != 0) perror("faultfs: tear truncate");
}

static void forget(struct inode *in, size_t upto) { /* drops log[0, upto): durable now */
  for (size_t i = 0; i < upto; i++) free(in->log[i].old);
  memmove(in->log, in->log + upto, (in->len - upto) * sizeof *in->log);
  in->len -= upto;
}

/* fsync/fdatasync semantics of fd: wait as a slow disk would, then forget what came before. */
static int sync_fd(int fd) {
  pthread_mutex_lock(&lock);
  if (down) {
    pthread_mutex_unlock(&lock);
    return -EIO;
  }
  uint64_t began = seq, era = epoch;
  long wait_ms = slow_max > 0 ? slow_min + (long)(next_random() % (uint64_t)(slow_max - slow_min + 1)) : 0;
  pthread_mutex_unlock(&lock);
  if (wait_ms > 0) {
    struct timespec ts = {wait_ms / 1000, (wait_ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {}
  }
  if (fdatasync(fd) != 0) return -errno;
  pthread_mutex_lock(&lock);
  int rc = 0;
  if (down || epoch != era) {
    rc = -EIO; /* the power went while this sync was on its way */
  } else {
    struct inode *in = inode_of(fd);
    if (in) {
      size_t n = 0;
      while (n < in->len && in->log[n].seq <= began) n++;
      forget(in, n);
    }
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

static void lose(int torn, uint64_t seed, size_t *files, size_t *writes, size_t *bytes, size_t *tears) {
  seed_random(seed);
  down = 1;
  epoch++;
  *files = *writes = *bytes = *tears = 0;
  for (size_t i = 0; i < n_inodes; i++) {
    struct inode *in = &inodes[i];
    size_t keep = torn ? (size_t)(next_random() % (in->len + 1)) : 0;
    if (in->len > keep) (*files)++;
    for (size_t j = in->len; j > keep; j--) {
      (*writes)++;
      *bytes += in->log[j - 1].written;
      undo(in, &in->log[j - 1]);
    }
    if (torn && keep > 0 && in->log[keep - 1].written > 0) {
      (*tears)++;
      tear(in, &in->log[keep - 1]);
    }
    forget(in, in->len);
    close(in->fd);
    free(in->log);
  }
  free(inodes);
  inodes = NULL;
  n_inodes = cap_inodes = 0;
}

static void unmount_now(void) {
  if (geteuid() == 0) {
    if (umount2(mountpoint, MNT_DETACH) == 0) return;
  }
  pid_t pid = fork();
  if (pid == 0) {
    execlp("fusermount3", "fusermount3", "-u", "-z", mountpoint, (char *)NULL);
    _exit(127);
  }
  if (pid > 0) waitpid(pid, NULL, 0);
}

static void *control(void *arg) {
  (void)arg;
  char line[256];
  printf("ready\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {
    char word[16] = "", mode[16] = "";
    unsigned long long a = 0, b = 0, c = 0;
    int n = sscanf(line, "%15s %15s %llu", word, mode, &c);
    pthread_mutex_lock(&lock);
    if (n >= 3 && strcmp(word, "lose") == 0 && (strcmp(mode, "all") == 0 || strcmp(mode, "torn") == 0)) {
      size_t files, writes, bytes, tears;
      lose(strcmp(mode, "torn") == 0, c, &files, &writes, &bytes, &tears);
      printf("ok lost %zu writes (%zu bytes) in %zu files, tore %zu\n", writes, bytes, files, tears);
    } else if (strcmp(word, "up") == 0) {
      down = 0;
      printf("ok up\n");
    } else if (sscanf(line, "slow %llu %llu %llu", &a, &b, &c) == 3 && a <= b && b <= 60000) {
      slow_min = (long)a;
      slow_max = (long)b;
      seed_random(c);
      printf("ok slow %llu..%llu ms\n", a, b);
    } else if (strcmp(word, "fast") == 0) {
      slow_min = slow_max = 0;
      printf("ok fast\n");
    } else if (strcmp(word, "stats") == 0) {
      size_t writes = 0, bytes = 0;
      for (size_t i = 0; i < n_inodes; i++)
        for (size_t j = 0; j < inodes[i].len; j++) writes++, bytes += inodes[i].log[j].written;
      printf("ok unsynced %zu writes (%zu bytes)\n", writes, bytes);
    } else {
      printf("error unknown command: %s", line);
      if (!strchr(line, '\n')) printf("\n");
    }
    fflush(stdout);
    pthread_mutex_unlock(&lock);
  }
  unmount_now(); /* the harness is gone: the loop ends when the kernel drops the mount */
  return NULL;
}

static void *fs_init(struct fuse_conn_info *conn, struct fuse_config *cfg) {
  (void)conn;
  cfg->use_ino = 1;
  cfg->hard_remove = 1;
  /* The kernel must not answer from caches a loss has made stale. */
  cfg->entry_timeout = 0;
  cfg->attr_timeout = 0;
  cfg->negative_timeout = 0;
  cfg->kernel_cache = 0;
  pthread_t t;
  if (pthread_create(&t, NULL, control, NULL) != 0) die("pthread_create");
  pthread_detach(t);
  return NULL;
}

#define DOWN_IS_EIO()              \
  do {                             \
    pthread_mutex_lock(&lock);     \
    int d = down;                  \
    pthread_mutex_unlock(&lock);   \
    if (d) return -EIO;            \
  } while (0)

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
  int rc = fi ? fstat(fh(fi)->fd, st) : fstatat(root, rel(path), st, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

static int fs_access(const char *path, int mask) { return faccessat(root, rel(path), mask, 0) == 0 ? 0 : -errno; }

static int fs_readlink(const char *path, char *buf, size_t size) {
  ssize_t n = readlinkat(root, rel(path), buf, size - 1);
  if (n < 0) return -errno;
  buf[n] = '\0';
  return 0;
}

static int fs_mknod(const char *path, mode_t mode, dev_t dev) {
  DOWN_IS_EIO();
  return mknodat(root, rel(path), mode, dev) == 0 ? 0 : -errno;
}

static int fs_mkdir(const char *path, mode_t mode) {
  DOWN_IS_EIO();
  return mkdirat(root, rel(path), mode) == 0 ? 0 : -errno;
}

static int fs_unlink(const char *path) {
  DOWN_IS_EIO();
  return unlinkat(root, rel(path), 0) == 0 ? 0 : -errno;
}

static int fs_rmdir(const char *path) {
  DOWN_IS_EIO();
  return unlinkat(root, rel(path), AT_REMOVEDIR) == 0 ? 0 : -errno;
}

static int fs_symlink(const char *target, const char *path) {
  DOWN_IS_EIO();
  return symlinkat(target, root, rel(path)) == 0 ? 0 : -errno;
}

static int fs_rename(const char *from, const char *to, unsigned int flags) {
  DOWN_IS_EIO();
  return renameat2(root, rel(from), root, rel(to), flags) == 0 ? 0 : -errno;
}

static int fs_link(const char *from, const char *to) {
  DOWN_IS_EIO();
  return linkat(root, rel(from), root, rel(to), 0) == 0 ? 0 : -errno;
}

static int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi) {
  int rc = fi ? fchmod(fh(fi)->fd, mode) : fchmodat(root, rel(path), mode, 0);
  return rc == 0 ? 0 : -errno;
}

static int fs_chown(const char *path, uid_t uid, gid_t gid, struct fuse_file_info *fi) {
  int rc = fi ? fchown(fh(fi)->fd, uid, gid) : fchownat(root, rel(path), uid, gid, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

static int fs_utimens(const char *path, const struct timespec tv[2], struct fuse_file_info *fi) {
  int rc = fi ? futimens(fh(fi)->fd, tv) : utimensat(root, rel(path), tv, AT_SYMLINK_NOFOLLOW);
  return rc == 0 ? 0 : -errno;
}

/* Truncates fd to size, undoably. */
static int truncate_fd(int fd, off_t size) {
  pthread_mutex_lock(&lock);
  int rc = -EIO;
  if (!down) {
    struct inode *in = inode_of(fd);
    struct stat st;
    rc = in && fstat(fd, &st) == 0 ? 0 : -errno;
    if (rc == 0 && size != st.st_size) rc = remember(in, size, size < st.st_size ? (size_t)(st.st_size - size) : 0, 0);
    if (rc == 0 && ftruncate(fd, size) != 0) rc = -errno;
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

static int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
  if (fi) return truncate_fd(fh(fi)->fd, size);
  int fd = openat(root, rel(path), O_RDWR);
  if (fd < 0) return -errno;
  int rc = truncate_fd(fd, size);
  close(fd);
  return rc;
}

static int open_handle(const char *path, int flags, mode_t mode, struct fuse_file_info *fi) {
  if ((flags & (O_CREAT | O_TRUNC)) || (flags & O_ACCMODE) != O_RDONLY) DOWN_IS_EIO();
  /* The kernel gives write offsets (O_APPEND included); syncs are ours to make; an undo
   * record reads what a write replaces, so a write-only open reads too. */
  int access = (flags & O_ACCMODE) == O_WRONLY ? O_RDWR : flags & O_ACCMODE;
  int fd = openat(root, rel(path), (flags & ~(O_ACCMODE | O_APPEND | O_SYNC | O_DSYNC | O_DIRECT | O_TRUNC)) | access, mode);
  if (fd < 0) return -errno;
  if (flags & O_TRUNC) {
    int rc = truncate_fd(fd, 0);
    if (rc != 0) {
      close(fd);
      return rc;
    }
  }
  struct handle *h = malloc(sizeof *h);
  if (!h) {
    close(fd);
    return -ENOMEM;
  }
  *h = (struct handle){.fd = fd};
  fi->fh = (uintptr_t)h;
  return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) { return open_handle(path, fi->flags, 0, fi); }

static int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi) { return open_handle(path, fi->flags | O_CREAT, mode, fi); }

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  ssize_t n = pread(fh(fi)->fd, buf, size, off);
  return n < 0 ? -errno : (int)n;
}

static int fs_write(const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
  (void)path;
  int fd = fh(fi)->fd;
  pthread_mutex_lock(&lock);
  ssize_t n = -EIO;
  if (!down) {
    struct inode *in = inode_of(fd);
    n = in ? remember(in, off, size, size) : -errno;
    if (n == 0) {
      n = pwrite(fd, buf, size, off);
      if (n < 0) n = -errno;
    }
  }
  pthread_mutex_unlock(&lock);
  return (int)n; /* an O_SYNC/O_DSYNC write: the kernel follows it with an fsync (fs_fsync) */
}

static int fs_statfs(const char *path, struct statvfs *st) {
  (void)path;
  return fstatvfs(root, st) == 0 ? 0 : -errno;
}

static int fs_flush(const char *path, struct fuse_file_info *fi) {
  (void)path;
  (void)fi;
  return 0; /* close() makes nothing durable */
}

static int fs_release(const char *path, struct fuse_file_info *fi) {
  (void)path;
  close(fh(fi)->fd);
  free(fh(fi));
  return 0;
}

static int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  return sync_fd(fh(fi)->fd);
}

static int fs_fallocate(const char *path, int mode, off_t off, off_t len, struct fuse_file_info *fi) {
  (void)path;
  if (mode & ~FALLOC_FL_KEEP_SIZE) return -EOPNOTSUPP; /* punching holes would need its own undo */
  int fd = fh(fi)->fd;
  pthread_mutex_lock(&lock);
  int rc = -EIO;
  if (!down) {
    struct inode *in = inode_of(fd);
    rc = in ? remember(in, off + len, 0, 0) : -errno; /* only the size can change: undo restores it */
    if (rc == 0 && fallocate(fd, mode, off, len) != 0) rc = -errno;
  }
  pthread_mutex_unlock(&lock);
  return rc;
}

static int fs_opendir(const char *path, struct fuse_file_info *fi) {
  int fd = openat(root, rel(path), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return -errno;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return -errno;
  }
  fi->fh = (uintptr_t)d;
  return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off, struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
  (void)path;
  (void)off;
  (void)flags;
  DIR *d = (DIR *)(uintptr_t)fi->fh;
  rewinddir(d);
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (fill(buf, e->d_name, NULL, 0, 0)) break;
  }
  return 0;
}

static int fs_releasedir(const char *path, struct fuse_file_info *fi) {
  (void)path;
  closedir((DIR *)(uintptr_t)fi->fh);
  return 0;
}

static int fs_fsyncdir(const char *path, int datasync, struct fuse_file_info *fi) {
  (void)path;
  (void)datasync;
  (void)fi;
  return 0; /* metadata is durable at once (see the top) */
}

static const struct fuse_operations ops = {
    .init = fs_init,
    .getattr = fs_getattr,
    .access = fs_access,
    .readlink = fs_readlink,
    .mknod = fs_mknod,
    .mkdir = fs_mkdir,
    .unlink = fs_unlink,
    .rmdir = fs_rmdir,
    .symlink = fs_symlink,
    .rename = fs_rename,
    .link = fs_link,
    .chmod = fs_chmod,
    .chown = fs_chown,
    .truncate = fs_truncate,
    .utimens = fs_utimens,
    .open = fs_open,
    .create = fs_create,
    .read = fs_read,
    .write = fs_write,
    .statfs = fs_statfs,
    .flush = fs_flush,
    .release = fs_release,
    .fsync = fs_fsync,
    .fallocate = fs_fallocate,
    .opendir = fs_opendir,
    .readdir = fs_readdir,
    .releasedir = fs_releasedir,
    .fsyncdir = fs_fsyncdir,
};

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: faultfs DIR   (mounts over DIR; commands on stdin)\n");
    return 2;
  }
  mountpoint = argv[1];
  root = open(mountpoint, O_RDONLY | O_DIRECTORY);
  if (root < 0) die(mountpoint);
  char *args[] = {argv[0], "-f", "-o", geteuid() == 0 ? "fsname=faultfs,max_idle_threads=8,allow_other" : "fsname=faultfs,max_idle_threads=8", (char *)mountpoint, NULL};
  return fuse_main(5, args, &ops, NULL);
}
