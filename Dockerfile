# syntax=docker/dockerfile:1

# Profile Points — production image.
#   docker build -t profile-points .
#   docker run --env-file prod.env -p 3000:3000 profile-points
# NODE_ENV=production: DATABASE_URL, JWT_SECRET, STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
# are required at boot (the embedded database and the Stripe emulator are dev-only).

########## build: full install (devDependencies) + nest build → dist/
FROM node:20-bookworm-slim AS build
WORKDIR /app
# swagger-ui-dist pulls in @scarf/scarf, whose install script phones home.
ENV SCARF_ANALYTICS=false

COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

COPY nest-cli.json tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY migrations ./migrations
RUN npm run build

########## runtime: production dependencies + compiled output only
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=3000
WORKDIR /app

# No production dependency needs an install script (the only one is @scarf/scarf telemetry).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && npm cache clean --force

# Owned by root and read-only to the app user; migrations are compiled into dist/migrations
# and run at boot under an advisory lock (set DB_MIGRATIONS_RUN=false to skip).
COPY --from=build /app/dist ./dist

USER node
EXPOSE 3000

# The slim image has no curl: use Node's built-in fetch. /health is 200 only when the database is up.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health', { signal: AbortSignal.timeout(4000) }).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]

# Run node directly (not npm) so SIGTERM reaches the app for a graceful shutdown.
CMD ["node", "dist/src/main.js"]
