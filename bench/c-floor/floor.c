/*
 * The C floor of `npm run bench`: open + read to EOF + close of every path in LIST (one per line:
 * the files podpulse's collector opened in one steady-state cycle), WARMUP + CYCLES times. No
 * parsing, no allocation in the loop: what any agent in any language must at least pay for the
 * same kernel files. Prints one JSON object on stdout with per-cycle CPU (CLOCK_PROCESS_CPUTIME_ID)
 * and wall time of the measured cycles, and what one cycle opened and read, so the caller can check
 * that it read the list it was given.
 *
 * Build: cc -O2 -o floor floor.c      Usage: floor LIST CYCLES WARMUP
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_us(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s LIST CYCLES WARMUP\n", argv[0]);
    return 2;
  }
  long cycles = strtol(argv[2], NULL, 10), warmup = strtol(argv[3], NULL, 10);
  if (cycles < 1 || warmup < 0) {
    fprintf(stderr, "floor: CYCLES must be >= 1 and WARMUP >= 0\n");
    return 2;
  }
  FILE *list = fopen(argv[1], "r");
  if (!list) {
    fprintf(stderr, "floor: %s: %s\n", argv[1], strerror(errno));
    return 1;
  }
  size_t cap = 1024, n = 0;
  char **paths = malloc(cap * sizeof *paths);
  char *line = NULL;
  size_t linecap = 0;
  ssize_t len;
  while ((len = getline(&line, &linecap, list)) > 0) {
    if (line[len - 1] == '\n') line[--len] = '\0';
    if (len == 0) continue;
    if (n == cap) paths = realloc(paths, (cap *= 2) * sizeof *paths);
    paths[n++] = strdup(line);
  }
  free(line);
  fclose(list);

  /* Same bound as podpulse's FileReader would need for these files: cgroup and /proc files are small. */
  static char buf[1 << 16];
  double *cpu = malloc(cycles * sizeof *cpu), *wall = malloc(cycles * sizeof *wall);
  long opened = 0, missing = 0, bytes = 0;
  for (long c = 0; c < warmup + cycles; c++) {
    long o = 0, m = 0, b = 0;
    double c0 = now_us(CLOCK_PROCESS_CPUTIME_ID), w0 = now_us(CLOCK_MONOTONIC);
    for (size_t i = 0; i < n; i++) {
      int fd = open(paths[i], O_RDONLY | O_CLOEXEC);
      if (fd < 0) {
        m++;
        continue;
      }
      o++;
      ssize_t r;
      while ((r = read(fd, buf, sizeof buf)) > 0) b += r;
      close(fd);
    }
    double c1 = now_us(CLOCK_PROCESS_CPUTIME_ID), w1 = now_us(CLOCK_MONOTONIC);
    if (c >= warmup) {
      cpu[c - warmup] = c1 - c0;
      wall[c - warmup] = (w1 - w0) / 1e3;
    }
    opened = o, missing = m, bytes = b;
  }
  printf("{\"files\":%zu,\"opened\":%ld,\"missing\":%ld,\"bytes\":%ld,\"cpuUs\":[", n, opened, missing, bytes);
  for (long c = 0; c < cycles; c++) printf("%s%.1f", c ? "," : "", cpu[c]);
  printf("],\"wallMs\":[");
  for (long c = 0; c < cycles; c++) printf("%s%.3f", c ? "," : "", wall[c]);
  printf("]}\n");
  return 0;
}
