# syntax=docker/dockerfile:1

# Profile Points — production image (the default target, the last stage).
#   docker build -t profile-points .
#   docker run --env-file prod.env -p 3000:3000 profile-points
# NODE_ENV=production: DATABASE_URL, JWT_SECRET, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
# are required at boot (the embedded database and the Stripe emulator are dev-only).
#
# The `development` target adds the development tools (tools/: the Stripe emulator, the
# development entry point with the demo picker) to it: what docker-compose.yml's `emulator`
# profile runs. The production image does not hold them.
#   docker build --target development -t profile-points:development .

# Node 24 LTS on Debian bookworm, pinned by digest so that a rebuild gets the same base; to move
# to a newer patch, take the tag's current digest (`docker buildx imagetools inspect
# node:24-bookworm-slim`) and update both the tag and the digest here.
ARG NODE_IMAGE=node:24.20.0-bookworm-slim@sha256:ba849c60be29959425b8734d57b8b4b7d56f98edd9504c9af091d5281095a71e

########## build: full install (devDependencies) + nest build → dist/, reference client → web/dist/
FROM ${NODE_IMAGE} AS build
WORKDIR /app
# swagger-ui-dist pulls in @scarf/scarf, whose install script phones home.
ENV SCARF_ANALYTICS=false

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY nest-cli.json tsconfig.json tsconfig.build.json tsconfig.dev.json ./
COPY src ./src
COPY migrations ./migrations
COPY web ./web
RUN npm run build
# The development tools, for the `development` target only: compiled into their own directory, so
# that dist/ (all the production image takes) never holds them.
COPY tools ./tools
RUN npx tsc -p tsconfig.dev.json --outDir dist-dev

########## production: production dependencies + compiled output only
FROM ${NODE_IMAGE} AS production
# NODE_COMPILE_CACHE: Node 22.1+ keeps V8's compiled code of every module loaded at start there, so a
# restarted container skips compiling the module graph again (Node 20 has no such cache).
ENV NODE_ENV=production \
    PORT=3000 \
    NODE_COMPILE_CACHE=/tmp/node-compile-cache
WORKDIR /app

# No production dependency needs an install script (the only one is @scarf/scarf telemetry).
# --omit=optional as well: the lock marks typescript, ts-node and @swc/core (with its native
# binaries) dev-optional, which --omit=dev alone keeps; the only optional production package is
# pg-cloudflare (Cloudflare Workers), which Node does not use.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# Owned by root and read-only to the app user; migrations are compiled into dist/migrations
# and run at boot under an advisory lock (set DB_MIGRATIONS_RUN=false to skip).
COPY --from=build /app/dist ./dist
# The reference client (served at / when SERVE_WEB_CLIENT=true; off by default in production).
COPY --from=build /app/web/dist ./web/dist

USER node
EXPOSE 3000

# The slim image has no curl: use Node's built-in fetch. /health/ready is 200 only when the
# database (and Redis, when configured) answer, and 503 as soon as a shutdown starts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health/ready', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Run node directly (not npm) so SIGTERM reaches the app for a graceful shutdown.
CMD ["node", "dist/src/main.js"]

########## development: the production image plus the compiled tools/ (Stripe emulator, development entry point)
# For trying the service without a Stripe account (docker-compose.yml, profile `emulator`), never
# for running it. `node dist/tools/stripe-emulator/main.js` runs the emulator on its own.
FROM production AS development
ENV NODE_ENV=development
COPY --from=build /app/dist-dev/tools ./dist/tools
CMD ["node", "dist/tools/dev/main.js"]

########## runtime: the production image, the default target (`docker build .` builds the last stage)
FROM production AS runtime
