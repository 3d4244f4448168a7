// The open-loop load generator of bench/open-loop.ts in C, for latency at a
// fixed rate on a small machine. The generator shares the CPUs with the
// servers it measures: in Node it took about 50 µs of CPU per request (a
// third of a vCPU at 7,000/s) and its own collections and event-loop pauses
// were counted as the server's latency. This one has neither.
//
// Usage: open-loop HOST PORT RATE SECONDS CONNECTIONS REQUESTS_FILE
// REQUESTS_FILE: the requests, each followed by a NUL byte, sent in turn. In a
// request, the 13 bytes "{{now-epoch}}" are replaced when it is sent by the
// wall-clock time in epoch milliseconds (13 digits), for servers that check the
// client's clock.
// Prints one line of JSON: sent, ok, errors, p50, p99, max (ms, each latency
// from the request's scheduled instant, so queueing is not hidden), stall:
// the longest the generator itself was late in sending (ms), and cpu: the CPU
// time the generator used (ms, user + system), which it takes from the servers.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char PLACEHOLDER[] = "{{now-epoch}}";
#define PLACEHOLDER_LEN 13

typedef struct {
  char *data;
  size_t len;
  long now_at; /* offset of the placeholder, or -1 */
} Request;

typedef struct {
  int fd;
  int busy;
  double scheduled;
  char in[65536];
  size_t in_len;
  const char *out; /* unsent rest of the request, when a write was partial */
  size_t out_len;
  char req[8192];
} Conn;

static double mono_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static long long wall_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void die(const char *what) {
  fprintf(stderr, "open-loop: %s: %s\n", what, strerror(errno));
  exit(2);
}

static int open_conn(const char *host, int port, int epfd, Conn *c) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die("socket");
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, host, &a.sin_addr) != 1) {
    fprintf(stderr, "open-loop: not an IPv4 address: %s\n", host);
    exit(2);
  }
  if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) die("connect");
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  c->fd = fd;
  c->busy = 0;
  c->in_len = 0;
  c->out_len = 0;
  struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll_ctl");
  return fd;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Globals of one run. */
static Request *reqs;
static size_t nreqs, next_req;
static double *lat;
static long done_count, ok_count, err_count;
static double *queue; /* scheduled instants waiting for a free connection */
static long q_head, q_tail;
static Conn **idle;
static int nidle;
static double stall;
static int epfd;
static const char *host;
static int port;

static void flush_out(Conn *c) {
  while (c->out_len) {
    ssize_t w = write(c->fd, c->out, c->out_len);
    if (w < 0) {
      if (errno == EAGAIN) break;
      die("write");
    }
    c->out += w;
    c->out_len -= (size_t)w;
  }
  struct epoll_event ev = {.events = EPOLLIN | (c->out_len ? EPOLLOUT : 0), .data.ptr = c};
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* `on_time`: sent when due (not from the queue, whose lateness is the server's, not the generator's). */
static void send_req(Conn *c, double scheduled, int on_time) {
  double late = mono_ms() - scheduled;
  if (on_time && late > stall) stall = late;
  c->busy = 1;
  c->scheduled = scheduled;
  Request *r = &reqs[next_req++ % nreqs];
  memcpy(c->req, r->data, r->len);
  if (r->now_at >= 0) {
    char digits[32];
    snprintf(digits, sizeof digits, "%013lld", wall_ms());
    memcpy(c->req + r->now_at, digits, PLACEHOLDER_LEN);
  }
  c->out = c->req;
  c->out_len = r->len;
  ssize_t w = write(c->fd, c->out, c->out_len);
  if (w < 0 && errno != EAGAIN) die("write");
  if (w > 0) {
    c->out += w;
    c->out_len -= (size_t)w;
  }
  if (c->out_len) flush_out(c);
}

static void complete(Conn *c, int status) {
  lat[done_count++] = mono_ms() - c->scheduled;
  if (status >= 200 && status < 300) ok_count++;
  else err_count++;
  c->busy = 0;
  if (q_head < q_tail) {
    send_req(c, queue[q_head++], 0);
  } else {
    idle[nidle++] = c;
  }
}

/* Parses the complete responses in c->in: headers, then content-length bytes. */
static void parse(Conn *c) {
  for (;;) {
    char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
    if (!end) return;
    size_t head = (size_t)(end - c->in) + 4;
    size_t len = 0;
    int found = 0;
    for (char *p = c->in; p + 15 < end; p++) {
      if ((p == c->in || p[-1] == '\n') && strncasecmp(p, "content-length:", 15) == 0) {
        p += 15;
        while (*p == ' ') p++;
        while (*p >= '0' && *p <= '9') len = len * 10 + (size_t)(*p++ - '0');
        found = 1;
        break;
      }
    }
    if (!found) {
      fprintf(stderr, "open-loop: a response without content-length: %.*s\n", (int)(end - c->in), c->in);
      exit(2);
    }
    if (c->in_len < head + len) return;
    int status = c->in_len >= 12 ? (c->in[9] - '0') * 100 + (c->in[10] - '0') * 10 + (c->in[11] - '0') : 0;
    /* "Connection: close": the server closes this connection after the response; the
       next request goes on a new one (sent on this one, it would fail on the close). */
    int closing = 0;
    for (char *p = c->in + 1; p + 17 < end && !closing; p++)
      closing = p[-1] == '\n' && strncasecmp(p, "connection: close", 17) == 0;
    if (closing) {
      epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
      close(c->fd);
      open_conn(host, port, epfd, c);
      complete(c, status);
      return;
    }
    memmove(c->in, c->in + head + len, c->in_len - head - len);
    c->in_len -= head + len;
    complete(c, status);
  }
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: open-loop HOST PORT RATE SECONDS CONNECTIONS REQUESTS_FILE\n");
    return 2;
  }
  host = argv[1];
  port = atoi(argv[2]);
  double rate = atof(argv[3]);
  double seconds = atof(argv[4]);
  int nconn = atoi(argv[5]);
  if (port <= 0 || rate <= 0 || seconds <= 0 || nconn <= 0) {
    fprintf(stderr, "open-loop: PORT, RATE, SECONDS and CONNECTIONS must be positive\n");
    return 2;
  }
  FILE *f = fopen(argv[6], "rb");
  if (!f) die(argv[6]);
  struct stat st;
  fstat(fileno(f), &st);
  char *all = malloc((size_t)st.st_size + 1);
  if (fread(all, 1, (size_t)st.st_size, f) != (size_t)st.st_size) die("read");
  fclose(f);
  all[st.st_size] = 0;
  reqs = calloc((size_t)st.st_size + 1, sizeof *reqs);
  for (char *p = all; p < all + st.st_size;) {
    size_t len = strlen(p);
    if (len == 0 || len >= sizeof(((Conn *)0)->req)) {
      fprintf(stderr, "open-loop: a request is empty or longer than 8 KiB\n");
      return 2;
    }
    char *at = strstr(p, PLACEHOLDER);
    reqs[nreqs++] = (Request){p, len, at ? at - p : -1};
    p += len + 1;
  }
  if (nreqs == 0) {
    fprintf(stderr, "open-loop: no request in %s\n", argv[6]);
    return 2;
  }

  long total = (long)(rate * seconds + 0.5);
  lat = malloc(sizeof(double) * (size_t)total);
  queue = malloc(sizeof(double) * (size_t)total);
  epfd = epoll_create1(0);
  if (epfd < 0) die("epoll_create1");
  Conn *conns = calloc((size_t)nconn, sizeof *conns);
  idle = malloc(sizeof(Conn *) * (size_t)nconn);
  for (int i = 0; i < nconn; i++) {
    open_conn(host, port, epfd, &conns[i]);
    idle[nidle++] = &conns[i];
  }

  struct epoll_event events[256];
  double start = mono_ms();
  long sent = 0;
  int quiet = 0; /* seconds without an answer once all is sent */
  while (done_count < total) {
    double now = mono_ms();
    /* Requests 0..due-1 are due: request i is scheduled at start + i / rate. */
    long due = (long)((now - start) / 1000 * rate) + 1;
    if (due > total) due = total;
    while (sent < due) {
      double scheduled = start + sent * 1000.0 / rate;
      if (nidle) send_req(idle[--nidle], scheduled, 1);
      else queue[q_tail++] = scheduled;
      sent++;
    }
    /* Sleep until the next request is due, in whole milliseconds: at most 1 ms late, as the Node loop's timer. */
    int timeout = 1000;
    if (sent < total) {
      double wait = start + sent * 1000.0 / rate - mono_ms();
      timeout = wait <= 0 ? 0 : wait < 1 ? 1 : (int)wait;
    }
    int n = epoll_wait(epfd, events, 256, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    /* Ten seconds in a row without an answer after the last request: what is missing failed. */
    if (n > 0) quiet = 0;
    else if (sent >= total && ++quiet >= 10) {
      err_count += total - done_count;
      break;
    }
    for (int i = 0; i < n; i++) {
      Conn *c = events[i].data.ptr;
      if (events[i].events & EPOLLOUT) flush_out(c);
      if (!(events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, sizeof c->in - c->in_len);
        if (r > 0) {
          c->in_len += (size_t)r;
          parse(c);
          if (c->in_len == sizeof c->in) {
            fprintf(stderr, "open-loop: a response head is longer than 64 KiB\n");
            return 2;
          }
          continue;
        }
        if (r < 0 && errno == EAGAIN) break;
        /* Closed by the server (or failed): its request failed; connect again. */
        epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        int was_busy = c->busy;
        double scheduled = c->scheduled;
        open_conn(host, port, epfd, c);
        if (was_busy) {
          c->scheduled = scheduled;
          complete(c, 0);
        } else {
          /* It was on the idle list; it still is, with its new socket. */
        }
        break;
      }
    }
  }
  qsort(lat, (size_t)done_count, sizeof *lat, cmp_double);
#define Q(p) (done_count ? lat[(long)((p) * done_count) < done_count ? (long)((p) * done_count) : done_count - 1] : 0)
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  double cpu = (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
  printf("{\"sent\":%ld,\"ok\":%ld,\"errors\":%ld,\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"stall\":%.3f,\"cpu\":%.3f}\n",
         sent, ok_count, err_count, Q(0.5), Q(0.99), done_count ? lat[done_count - 1] : 0, stall, cpu);
  return 0;
}
