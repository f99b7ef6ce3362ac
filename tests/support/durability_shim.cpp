// An LD_PRELOAD shim that observes durability: for every file under a tracked root (set by
// awsmp_durability_track, or AWSMP_DURABILITY_ROOT at start) it counts fsync/fdatasync calls
// and keeps, in an images folder (AWSMP_DURABILITY_IMAGES), the "durable image" of
// the file: what a disk would still hold after a power cut. SIGKILL keeps the page cache, so
// only such a model notices a missing fdatasync.
//
// The model (stricter than ext4's defaults, as POSIX allows):
// - a file's content becomes durable only at fsync/fdatasync of the file (whole content copied);
//   content that existed before the first open under the shim counts as durable;
// - a file created and never synced does not survive;
// - rename and unlink become durable only at fsync of the directory that holds the target;
//   until then a power cut keeps the old names (the renamed file's image stays under its old name).
// The images live in files, so a forked or spawned child's syncs are seen by its parent, which
// simulates the power cut with awsmp_durability_power_loss() after killing the child.
// Sanitizers are off for this file: it is loaded before any sanitizer runtime initialises.
#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace {

template <class F>
F real(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

using open_fn = int (*)(const char*, int, ...);
using openat_fn = int (*)(int, const char*, int, ...);
using fd_fn = int (*)(int);
using rename_fn = int (*)(const char*, const char*);
using renameat_fn = int (*)(int, const char*, int, const char*);
using unlink_fn = int (*)(const char*);
using fopen_fn = FILE* (*)(const char*, const char*);
using fclose_fn = int (*)(FILE*);

struct shim_state {
  open_fn open = real<open_fn>("open");
  open_fn open64 = real<open_fn>("open64");
  openat_fn openat = real<openat_fn>("openat");
  openat_fn openat64 = real<openat_fn>("openat64");
  fd_fn fsync = real<fd_fn>("fsync");
  fd_fn fdatasync = real<fd_fn>("fdatasync");
  fd_fn close = real<fd_fn>("close");
  rename_fn rename = real<rename_fn>("rename");
  renameat_fn renameat = real<renameat_fn>("renameat");
  unlink_fn unlink = real<unlink_fn>("unlink");
  fopen_fn fopen = real<fopen_fn>("fopen");
  fopen_fn fopen64 = real<fopen_fn>("fopen64");
  fclose_fn fclose = real<fclose_fn>("fclose");
  std::string root;    // tracked tree ("" = shim inactive)
  std::string images;  // where durable images live
  std::mutex mutex;
  std::map<int, std::string> fds;              // open fd -> path (tracked paths only)
  std::map<std::string, unsigned long> syncs;  // path -> fsync/fdatasync calls (this process)
  std::map<std::string, std::vector<std::pair<std::string, std::string>>> pending;  // dir -> (from, to)

  shim_state() {
    if (const char* r = std::getenv("AWSMP_DURABILITY_ROOT")) root = r;
    if (const char* i = std::getenv("AWSMP_DURABILITY_IMAGES")) images = i;
    if (root.empty() || images.empty()) root.clear();
    while (root.size() > 1 && root.back() == '/') root.pop_back();
  }
};

shim_state& state() {
  static shim_state s;
  return s;
}

std::string absolute(const char* path) {
  if (path == nullptr) return {};
  if (path[0] == '/') return path;
  char cwd[4096];
  if (::getcwd(cwd, sizeof cwd) == nullptr) return {};
  return std::string(cwd) + "/" + path;
}

bool tracked(const std::string& p) {
  const auto& root = state().root;
  if (root.empty() || p.compare(0, root.size(), root) != 0) return false;
  return p.size() == root.size() || p[root.size()] == '/';  // the root itself too: its syncs count
}

std::string parent_of(const std::string& p) {
  return p.substr(0, p.rfind('/'));
}

// An image file name for `path`: '%' and '/' escaped, so that every path has its own.
std::string image_of(const std::string& path, const char* suffix) {
  std::string out = state().images + "/";
  for (char c : path) {
    if (c == '/')
      out += "%2F";
    else if (c == '%')
      out += "%25";
    else
      out += c;
  }
  return out + suffix;
}

bool exists(const std::string& p) {
  struct stat st;
  return ::lstat(p.c_str(), &st) == 0;
}

bool is_directory(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

// Copies `from` (an fd's /proc link or a path) to `to` atomically; false on failure.
// An image is written beside itself and renamed (atomic); a restore into the tracked tree
// (`in_place`) writes the file directly, since a "name.tmp" there could be one of the test's own
// files.
bool copy_file(const std::string& from, const std::string& to, bool in_place = false) {
  auto& s = state();
  const int in = s.open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return false;
  const std::string temp = in_place ? to : to + ".tmp";
  const int out = s.open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = out >= 0;
  char buf[65536];
  for (ssize_t n; ok && (n = ::read(in, buf, sizeof buf)) != 0;) {
    if (n < 0) {
      ok = errno == EINTR;
      continue;
    }
    ok = ::write(out, buf, static_cast<size_t>(n)) == n;
  }
  s.close(in);
  if (out >= 0) s.close(out);
  return ok && (in_place || s.rename(temp.c_str(), to.c_str()) == 0);
}

// Marks `path` as having no durable content (it would not exist after a power cut).
void mark_absent(const std::string& path) {
  auto& s = state();
  s.unlink(image_of(path, ".img").c_str());
  const int fd = s.open(image_of(path, ".absent").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) s.close(fd);
}

bool has_image(const std::string& path) {
  return exists(image_of(path, ".img")) || exists(image_of(path, ".absent"));
}

// Called with the lock held, before a tracked regular file is opened.
void before_open(const std::string& path) {
  if (has_image(path)) return;
  if (exists(path) && !is_directory(path))
    copy_file(path, image_of(path, ".img"));  // there before the shim saw it: durable
  else if (!exists(path))
    mark_absent(path);
}

void after_open(int fd, const std::string& path) {
  if (fd >= 0) state().fds[fd] = path;
}

// Moves the image of `from` to `to` (a rename made durable).
void move_image(const std::string& from, const std::string& to) {
  auto& s = state();
  s.unlink(image_of(to, ".img").c_str());
  s.unlink(image_of(to, ".absent").c_str());
  if (exists(image_of(from, ".img")))
    s.rename(image_of(from, ".img").c_str(), image_of(to, ".img").c_str());
  else
    mark_absent(to);
  s.unlink(image_of(from, ".absent").c_str());
  mark_absent(from);
}

int on_sync(int fd, int rc) {
  if (rc != 0) return rc;
  auto& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.fds.find(fd);
  if (it == s.fds.end()) return rc;
  const std::string path = it->second;
  ++s.syncs[path];
  if (is_directory(path)) {
    // A directory sync makes the renames and unlinks into it durable.
    auto p = s.pending.find(path);
    if (p != s.pending.end()) {
      for (const auto& [from, to] : p->second) {
        if (to.empty())
          mark_absent(from);
        else
          move_image(from, to);
      }
      s.pending.erase(p);
    }
  } else {
    copy_file("/proc/self/fd/" + std::to_string(fd), image_of(path, ".img"));
    s.unlink(image_of(path, ".absent").c_str());
  }
  return rc;
}

template <class Open>
int tracked_open(const char* raw, int flags, mode_t mode, Open&& do_open) {
  auto& s = state();
  const std::string path = absolute(raw);
  if (!tracked(path)) return do_open();
  std::lock_guard lock(s.mutex);
  if (!(flags & O_DIRECTORY) && !is_directory(path)) before_open(path);
  (void)mode;
  const int fd = do_open();
  after_open(fd, path);
  return fd;
}

mode_t mode_arg(int flags, va_list ap) {
  return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? static_cast<mode_t>(va_arg(ap, int)) : 0;
}

}  // namespace

extern "C" {

int open(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return tracked_open(path, flags, mode, [&] { return state().open(path, flags, mode); });
}

int open64(const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  return tracked_open(path, flags, mode, [&] { return state().open64(path, flags, mode); });
}

int openat(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  auto call = [&] { return state().openat(dirfd, path, flags, mode); };
  if (dirfd != AT_FDCWD && path[0] != '/') return call();  // relative to another dir: not tracked
  return tracked_open(path, flags, mode, call);
}

int openat64(int dirfd, const char* path, int flags, ...) {
  va_list ap;
  va_start(ap, flags);
  const mode_t mode = mode_arg(flags, ap);
  va_end(ap);
  auto call = [&] { return state().openat64(dirfd, path, flags, mode); };
  if (dirfd != AT_FDCWD && path[0] != '/') return call();
  return tracked_open(path, flags, mode, call);
}

// libstdc++'s filebuf and C stdio open through glibc-internal calls that bypass open().
static FILE* tracked_fopen(const char* path, const char* mode, fopen_fn real_fopen) {
  auto& s = state();
  const std::string p = absolute(path);
  if (!tracked(p)) return real_fopen(path, mode);
  std::lock_guard lock(s.mutex);
  if (!is_directory(p) && std::strpbrk(mode, "wa+") != nullptr) before_open(p);
  FILE* f = real_fopen(path, mode);
  if (f != nullptr) after_open(::fileno(f), p);
  return f;
}

FILE* fopen(const char* path, const char* mode) {
  return tracked_fopen(path, mode, state().fopen);
}
FILE* fopen64(const char* path, const char* mode) {
  return tracked_fopen(path, mode, state().fopen64);
}

int fclose(FILE* f) {
  auto& s = state();
  if (f != nullptr) {
    std::lock_guard lock(s.mutex);
    s.fds.erase(::fileno(f));
  }
  return s.fclose(f);
}

int creat(const char* path, mode_t mode) {
  return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int fsync(int fd) {
  return on_sync(fd, state().fsync(fd));
}
int fdatasync(int fd) {
  return on_sync(fd, state().fdatasync(fd));
}

int close(int fd) {
  auto& s = state();
  {
    std::lock_guard lock(s.mutex);
    s.fds.erase(fd);
  }
  return s.close(fd);
}

int rename(const char* from, const char* to) {
  auto& s = state();
  const std::string a = absolute(from), b = absolute(to);
  const int rc = s.rename(from, to);
  if (rc == 0 && tracked(a) && tracked(b)) {
    std::lock_guard lock(s.mutex);
    s.pending[parent_of(b)].emplace_back(a, b);
    for (auto& [fd, p] : s.fds)
      if (p == a) p = b;
  }
  return rc;
}

int renameat(int from_dir, const char* from, int to_dir, const char* to) {
  if ((from_dir == AT_FDCWD || from[0] == '/') && (to_dir == AT_FDCWD || to[0] == '/'))
    return rename(from, to);
  return state().renameat(from_dir, from, to_dir, to);
}

int unlink(const char* path) {
  auto& s = state();
  const std::string p = absolute(path);
  const int rc = s.unlink(path);
  if (rc == 0 && tracked(p)) {
    std::lock_guard lock(s.mutex);
    s.pending[parent_of(p)].emplace_back(p, std::string());
  }
  return rc;
}

/// Tracks the tree `root` (absolute) from now on, keeping images in `images` (an existing,
/// empty directory outside `root`); forgets everything tracked before. Returns 0.
int awsmp_durability_track(const char* root, const char* images) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.root = root;
  s.images = images;
  while (s.root.size() > 1 && s.root.back() == '/') s.root.pop_back();
  s.fds.clear();
  s.syncs.clear();
  s.pending.clear();
  return 0;
}

/// 1: the shim is loaded and tracking.
int awsmp_durability_active(void) {
  return state().root.empty() ? 0 : 1;
}

/// fsync/fdatasync calls on `path` in this process.
unsigned long awsmp_durability_syncs(const char* path) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  auto it = s.syncs.find(absolute(path));
  return it == s.syncs.end() ? 0 : it->second;
}

/// 1 when a power cut now would leave `path` exactly as it is (every byte synced), else 0.
int awsmp_durability_is_durable(const char* path) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  const std::string p = absolute(path);
  const std::string img = image_of(p, ".img");
  if (!exists(img)) return exists(p) ? 0 : 1;
  const int a = s.open(p.c_str(), O_RDONLY | O_CLOEXEC), b = s.open(img.c_str(), O_RDONLY | O_CLOEXEC);
  bool same = a >= 0 && b >= 0;
  char x[65536], y[65536];
  while (same) {
    const ssize_t n = ::read(a, x, sizeof x), m = ::read(b, y, sizeof y);
    same = n == m && n >= 0 && std::memcmp(x, y, static_cast<size_t>(n < 0 ? 0 : n)) == 0;
    if (n <= 0) break;
  }
  if (a >= 0) s.close(a);
  if (b >= 0) s.close(b);
  return same ? 1 : 0;
}

/// Simulates a power cut: every tracked file gets its durable image back (or is removed when it
/// has none). Call it when no process writes the tree any more. Returns the files restored or
/// removed, -1 on error.
int awsmp_durability_power_loss(void) {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (s.root.empty()) return -1;
  DIR* dir = ::opendir(s.images.c_str());
  if (dir == nullptr) return -1;
  std::vector<std::string> names;
  while (dirent* e = ::readdir(dir)) names.emplace_back(e->d_name);
  ::closedir(dir);
  int count = 0;
  bool failed = false;
  for (const auto& name : names) {
    const bool img = name.size() > 4 && name.compare(name.size() - 4, 4, ".img") == 0;
    const bool absent = name.size() > 7 && name.compare(name.size() - 7, 7, ".absent") == 0;
    if (!img && !absent) continue;
    std::string path;
    const std::string enc = name.substr(0, name.size() - (img ? 4 : 7));
    for (std::size_t i = 0; i < enc.size(); ++i) {
      if (enc[i] == '%' && i + 2 < enc.size()) {
        path += enc.compare(i, 3, "%2F") == 0 ? '/' : '%';
        i += 2;
      } else {
        path += enc[i];
      }
    }
    if (img) {
      if (!copy_file(s.images + "/" + name, path, true)) failed = true;
    } else if (exists(path) && !is_directory(path)) {
      s.unlink(path.c_str());
    }
    ++count;
  }
  s.pending.clear();
  return failed ? -1 : count;
}

}  // extern "C"
