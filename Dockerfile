# podpulse container image (multi-stage).
#
#   docker build -t podpulse:dev .
#
# Base images are pinned to an exact Node release (the one the project is developed and tested on).
# Both stages are Debian bookworm so that any native module built by `npm ci` matches the runtime libc.

# --- build: compile TypeScript to dist/ -----------------------------------------------------------
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
# Manifests first: the dependency layer is reused until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# .dockerignore keeps node_modules, dist, tests and docs out of the context.
COPY . .
RUN npm run build

# --- runtime: production dependencies and dist/ only ----------------------------------------------
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /src/dist ./dist
# Default configuration; compose and the DaemonSet mount their own over it.
COPY config/podpulse.yaml /etc/podpulse/podpulse.yaml
# Runs as root (uid 0) on purpose: the containerd socket is root:root 0660. Deployments drop every
# capability (test/pipeline/capabilities.test.ts shows none is needed) and mount the host paths
# read-only (see docker-compose.yml and deploy/kubernetes/daemonset.yaml). Their health probes use
# bash's /dev/tcp, which the bookworm base image has.
USER 0
# The same entry as `npm start` (node --max-semi-space-size=4 --no-memory-reducer dist/src/main.js
# --config …), without the build check. A young generation of 2 × 4 MiB instead of V8's 2 × 16 MiB:
# measured 2026-12-04 with 100 pods on containerd (3 interleaved runs each, heap capped at 256 MiB as
# in the DaemonSet), RSS 134-142 against 171-199 MiB, CPU 5.8 against 5.5 % of a core on average
# (within run-to-run noise). --optimize-for-size was dropped: RSS 113 MiB but twice the CPU.
# --no-memory-reducer: V8's memory reducer runs extra full collections whenever allocation stops, i.e.
# in every idle gap between two cycles; without it, 100 pods at 10 s (2026-12-04, interleaved runs):
# 3.35-3.55 % of a core against 3.97-4.80 %, RSS 132-135 against 131-134 MiB (--single-threaded-gc
# instead: 5.2-5.5 %, worse).
# Also measured, not adopted (2026-12-04, `npm run bench -- --variant …`, back-to-back cycles, peak RSS
# and FULL CPU per container at N=100 / N=1000): --max-semi-space-size=2, MALLOC_ARENA_MAX=2 and
# --v8-pool-size=1 with UV_THREADPOOL_SIZE=1 change neither beyond run-to-run noise; any smaller
# old-generation growth (--max-old-space-size=2000 or below, --heap-growing-percent) buys its memory
# with CPU: 2000 (growth factor 2) 143→104 / 276→189 MiB for +26 % / +25 % CPU, 256 143→99 / 405→173
# MiB for +57 % / +53 %. V8 lets the old generation grow to 4× the live heap between full GCs unless
# --max-old-space-size is below 2 GiB; the DaemonSet's cap (256) is a deliberate memory bound.
CMD ["node", "--max-semi-space-size=4", "--no-memory-reducer", "dist/src/main.js", "--config", "/etc/podpulse/podpulse.yaml"]
