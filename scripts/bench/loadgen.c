/*
 * Compiled load generator for scripts/bench/pipeline.ts (the one-in-flight shape): original-style
 * clients over the JSONL protocol (/work/shared/PROTOCOL.md), so the hub gets the CPU a Node load
 * generator would take from it on a small machine.
 *
 * Producers send one `enqueue` and wait for its answer; workers send one `lease` (max_tasks 1,
 * long-poll wait_seconds; an empty answer is followed by another lease) and then one `ack` without a
 * lease token, as the original clients ack. One request in flight per connection, a closed loop
 * (producers hold back while `backlog` tasks are enqueued but not acked). It checks every answer's
 * id and error, and that no task is leased or acked twice.
 *
 * Protocol with the bench: after connecting it prints "ready", waits for a line on stdin, runs, and
 * prints one JSON line of results. Exits 1 on any protocol error, 2 on bad arguments, 3 when
 * nothing moves for 30 s.
 *
 *   cc -O2 -o loadgen loadgen.c
 *   loadgen --port 8765 [--host 127.0.0.1] [--producers 4] [--workers 8] [--tasks 10000]
 *           [--backlog 64] [--wait-seconds 0.5]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE (1 << 20)
#define STALL_SECONDS 30.0

typedef struct {
  int fd;
  int worker;      /* 1 = worker, 0 = producer */
  int index;       /* producer or worker number */
  long next_id;    /* id of the next request on this connection */
  long awaited_id; /* id of the request in flight, 0 when none */
  char *in;        /* bytes read, not yet a whole line */
  size_t in_len, in_cap;
  char out[1024]; /* a request not yet fully written */
  size_t out_len, out_off;
  /* producer */
  int sent, share, blocked;
  /* worker: the task it holds (0 = none) and where its prompt's send time is */
  long task_id;
  long prompt_index;
} Conn;

static int tasks_total = 10000, producers_n = 4, workers_n = 8, backlog = 64;
static double wait_seconds = 0.5;
static long enqueued, acked, protocol_errors;
static double *sent_at;          /* by prompt index: when its enqueue was sent */
static double *latency_ms;       /* enqueue sent -> ack answered, per acked task */
static unsigned char *lease_seen, *ack_seen;
static long seen_cap;
static long leased_twice, acked_twice;
static long *prompt_base; /* first prompt index of each producer */
static Conn *conns;
static int epfd;

static double now_seconds(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_seconds(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void die(int code, const char *what, const char *detail) {
  fprintf(stderr, "loadgen: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
  exit(code);
}

static void watch(Conn *c, int writable) {
  struct epoll_event ev = {.events = EPOLLIN | (writable ? EPOLLOUT : 0), .data.ptr = c};
  if (epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev) != 0) die(1, "epoll_ctl", strerror(errno));
}

static void flush_out(Conn *c) {
  while (c->out_off < c->out_len) {
    ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        watch(c, 1);
        return;
      }
      die(1, "write", strerror(errno));
    }
    c->out_off += (size_t)n;
  }
  c->out_len = c->out_off = 0;
}

/* Sends one request; the connection then waits for its answer (one in flight). */
static void request(Conn *c, const char *method, const char *params) {
  if (c->awaited_id != 0) die(1, "internal", "a second request in flight");
  c->awaited_id = ++c->next_id;
  int n = snprintf(c->out, sizeof c->out, "{\"id\":%ld,\"method\":\"%s\",\"params\":%s}\n", c->awaited_id, method, params);
  if (n < 0 || (size_t)n >= sizeof c->out) die(1, "internal", "request too long");
  c->out_len = (size_t)n;
  c->out_off = 0;
  flush_out(c);
}

static void send_enqueue(Conn *c) {
  char params[128];
  long prompt = prompt_base[c->index] + c->sent;
  snprintf(params, sizeof params, "{\"prompt\":\"bench task %d-%d\"}", c->index, c->sent);
  sent_at[prompt] = now_seconds();
  c->sent++;
  enqueued++;
  request(c, "enqueue", params);
}

static void send_lease(Conn *c) {
  char params[128];
  snprintf(params, sizeof params, "{\"worker_id\":\"bench-%d\",\"max_tasks\":1,\"wait_seconds\":%g}", c->index, wait_seconds);
  request(c, "lease", params);
}

/* Producers send their next enqueue while the backlog has room. */
static void produce(Conn *c) {
  if (c->awaited_id != 0 || c->sent >= c->share) return;
  if (enqueued - acked >= backlog) {
    c->blocked = 1;
    return;
  }
  c->blocked = 0;
  send_enqueue(c);
}

static void unblock_producers(void) {
  for (int i = 0; i < producers_n && enqueued - acked < backlog; i++)
    if (conns[i].blocked) produce(&conns[i]);
}

static void grow_seen(long task_id) {
  if (task_id < seen_cap) return;
  long cap = seen_cap * 2 > task_id + 1 ? seen_cap * 2 : task_id + 1;
  lease_seen = realloc(lease_seen, (size_t)cap);
  ack_seen = realloc(ack_seen, (size_t)cap);
  if (!lease_seen || !ack_seen) die(1, "out of memory", NULL);
  memset(lease_seen + seen_cap, 0, (size_t)(cap - seen_cap));
  memset(ack_seen + seen_cap, 0, (size_t)(cap - seen_cap));
  seen_cap = cap;
}

static long number_after(const char *line, const char *key) {
  const char *at = strstr(line, key);
  if (!at) return -1;
  return strtol(at + strlen(key), NULL, 10);
}

static void protocol_error(Conn *c, const char *why, const char *line) {
  fprintf(stderr, "loadgen: %s %d: %s: %.300s\n", c->worker ? "worker" : "producer", c->index, why, line);
  protocol_errors++;
}

/* One answer line: check its id and error, then the connection's next request. */
static void answer(Conn *c, char *line, size_t len) {
  static const char ok_tail[] = ",\"error\":null}";
  size_t tail = sizeof ok_tail - 1;
  if (c->awaited_id == 0) { protocol_error(c, "an answer to no request", line); return; }
  if (number_after(line, "{\"id\":") != c->awaited_id) { protocol_error(c, "an answer with the wrong id", line); return; }
  c->awaited_id = 0;
  if (len < tail || memcmp(line + len - tail, ok_tail, tail) != 0) { protocol_error(c, "an error answer", line); return; }

  if (!c->worker) {
    if (number_after(line, "\"task_id\":") <= 0) { protocol_error(c, "an enqueue answer without a task_id", line); return; }
    produce(c);
    return;
  }
  if (c->task_id == 0) {
    /* a lease answer: {"tasks":[]} or one task */
    if (strstr(line, "\"tasks\":[]")) {
      if (acked < tasks_total) send_lease(c);
      return;
    }
    long task_id = number_after(line, "\"task_id\":");
    const char *prompt = strstr(line, "\"prompt\":\"bench task ");
    int p = -1, i = -1;
    if (task_id <= 0 || !prompt || sscanf(prompt + strlen("\"prompt\":\"bench task "), "%d-%d", &p, &i) != 2 || p < 0 ||
        p >= producers_n || i < 0 || prompt_base[p] + i >= prompt_base[p + 1])
      { protocol_error(c, "a lease answer without a task of this run", line); return; }
    grow_seen(task_id);
    if (lease_seen[task_id]++) leased_twice++;
    c->task_id = task_id;
    c->prompt_index = prompt_base[p] + i;
    char params[256];
    snprintf(params, sizeof params, "{\"task_id\":%ld,\"status\":\"done\",\"result\":\"echo:bench task %d-%d\",\"error\":null}", task_id, p, i);
    request(c, "ack", params);
    return;
  }
  /* an ack answer */
  if (!strstr(line, "\"ok\":true")) { protocol_error(c, "an ack answer without ok", line); return; }
  if (ack_seen[c->task_id]++) acked_twice++;
  latency_ms[acked] = (now_seconds() - sent_at[c->prompt_index]) * 1000;
  acked++;
  c->task_id = 0;
  unblock_producers();
  if (acked < tasks_total) send_lease(c);
}

static void readable(Conn *c) {
  for (;;) {
    if (c->in_cap - c->in_len < 65536) {
      c->in_cap = c->in_cap * 2 + 65536;
      if (c->in_cap > MAX_LINE * 2) die(1, "an answer line too long", NULL);
      c->in = realloc(c->in, c->in_cap);
      if (!c->in) die(1, "out of memory", NULL);
    }
    ssize_t n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n == 0) die(1, "the hub closed a connection", NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      die(1, "read", strerror(errno));
    }
    c->in_len += (size_t)n;
  }
  size_t start = 0;
  for (;;) {
    char *nl = memchr(c->in + start, '\n', c->in_len - start);
    if (!nl) break;
    *nl = '\0';
    answer(c, c->in + start, (size_t)(nl - (c->in + start)));
    start = (size_t)(nl - c->in) + 1;
  }
  memmove(c->in, c->in + start, c->in_len - start);
  c->in_len -= start;
}

static int connect_to(const char *host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) die(1, "socket", strerror(errno));
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((unsigned short)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) die(2, "--host must be an IPv4 address", host);
  if (connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die(1, "connect", strerror(errno));
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

static int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Same rule as hub-process.ts `percentile`. */
static double percentile(const double *sorted, long n, double p) {
  if (n == 0) return 0;
  long at = (long)(p / 100 * n);
  return sorted[at < n ? at : n - 1];
}

static int int_arg(const char *name, const char *value, int min) {
  char *end;
  long v = strtol(value, &end, 10);
  if (*end != '\0' || v < min || v > 100000000) die(2, name, "must be a whole number in range");
  return (int)v;
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0;
  for (int a = 1; a + 1 < argc; a += 2) {
    const char *k = argv[a], *v = argv[a + 1];
    if (!strcmp(k, "--host")) host = v;
    else if (!strcmp(k, "--port")) port = int_arg(k, v, 1);
    else if (!strcmp(k, "--producers")) producers_n = int_arg(k, v, 1);
    else if (!strcmp(k, "--workers")) workers_n = int_arg(k, v, 1);
    else if (!strcmp(k, "--tasks")) tasks_total = int_arg(k, v, 1);
    else if (!strcmp(k, "--backlog")) backlog = int_arg(k, v, 1);
    else if (!strcmp(k, "--wait-seconds")) wait_seconds = atof(v);
    else die(2, "unknown option", k);
  }
  if (argc % 2 == 0) die(2, "every option takes a value", NULL);
  if (port == 0) die(2, "--port is required", NULL);

  sent_at = calloc((size_t)tasks_total, sizeof *sent_at);
  latency_ms = calloc((size_t)tasks_total, sizeof *latency_ms);
  prompt_base = calloc((size_t)producers_n + 1, sizeof *prompt_base);
  conns = calloc((size_t)(producers_n + workers_n), sizeof *conns);
  if (!sent_at || !latency_ms || !prompt_base || !conns) die(1, "out of memory", NULL);
  grow_seen(tasks_total + 1);

  epfd = epoll_create1(0);
  for (int i = 0; i < producers_n + workers_n; i++) {
    Conn *c = &conns[i];
    c->worker = i >= producers_n;
    c->index = c->worker ? i - producers_n : i;
    if (!c->worker) {
      c->share = tasks_total / producers_n + (c->index < tasks_total % producers_n ? 1 : 0);
      prompt_base[c->index + 1] = prompt_base[c->index] + c->share;
    }
    c->fd = connect_to(host, port);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) != 0) die(1, "epoll_ctl", strerror(errno));
  }

  printf("ready\n");
  fflush(stdout);
  char go[16];
  if (!fgets(go, sizeof go, stdin)) die(1, "stdin closed before the start", NULL);

  double started = now_seconds(), cpu_started = cpu_seconds(), last_progress = started;
  for (int i = 0; i < producers_n + workers_n; i++) {
    if (conns[i].worker) send_lease(&conns[i]);
    else produce(&conns[i]);
  }
  struct epoll_event events[64];
  while (acked < tasks_total && protocol_errors == 0) {
    int n = epoll_wait(epfd, events, 64, 1000);
    if (n < 0 && errno != EINTR) die(1, "epoll_wait", strerror(errno));
    long before = acked;
    for (int e = 0; e < n; e++) {
      Conn *c = events[e].data.ptr;
      if (events[e].events & EPOLLOUT) {
        flush_out(c);
        if (c->out_len == 0) watch(c, 0);
      }
      if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) readable(c);
    }
    double now = now_seconds();
    if (acked != before) last_progress = now;
    else if (now - last_progress > STALL_SECONDS) die(3, "no task acked for 30 s", NULL);
  }
  double seconds = now_seconds() - started, cpu = cpu_seconds() - cpu_started;

  qsort(latency_ms, (size_t)acked, sizeof *latency_ms, compare_doubles);
  printf("{\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"enqueued\":%ld,\"acked\":%ld,\"leased_twice\":%ld,\"acked_twice\":%ld,"
         "\"protocol_errors\":%ld,\"latency_ms\":{\"p50\":%.3f,\"p95\":%.3f,\"p99\":%.3f,\"max\":%.3f}}\n",
         seconds, cpu, enqueued, acked, leased_twice, acked_twice, protocol_errors, percentile(latency_ms, acked, 50),
         percentile(latency_ms, acked, 95), percentile(latency_ms, acked, 99), acked ? latency_ms[acked - 1] : 0.0);
  for (int i = 0; i < producers_n + workers_n; i++) close(conns[i].fd);
  return protocol_errors == 0 ? 0 : 1;
}
