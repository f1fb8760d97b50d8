# syntax=docker/dockerfile:1
#
# One image for every process of the pipeline; the command picks which one runs:
#   docker run IMAGE                                        -> ingest-gateway (default)
#   docker run IMAGE dist/apps/vehicle-consumer/src/main.js
#   docker run IMAGE dist/apps/location-consumer/src/main.js
#   docker run IMAGE dist/scripts/migrate.js                -> applies DB migrations (DATABASE_URL)
#   docker run IMAGE dist/scripts/provision.js              -> creates the Kafka topics (KAFKA_BROKERS)
# Configuration is environment variables only (see libs/config/src/env.dto.ts); docker-compose.yml
# shows a complete setup. Always set KAFKA_BROKERS and DATABASE_URL: their defaults are the local
# development stack's 127.0.0.1 addresses, where nothing listens inside a container.

# Node 24 (package.json engines: ^22.13 || >=24.11); .ci/run runs the tests under Node 24 too
ARG NODE_IMAGE=node:24-bookworm-slim

# ---- deps: every dependency (dev included), exactly as locked ------------------------------
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: nothing the build needs has an install script (the ones in the tree are the
# embedded-postgres binaries, jest's swc and a telemetry ping), and builds must not run them.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --ignore-scripts --no-audit --no-fund

# ---- build: TypeScript -> dist/ ------------------------------------------------------------
FROM deps AS build
# the context is filtered by .dockerignore (no node_modules, dist, .data, secrets, ...)
COPY . .
# schemas/ (the published JSON Schemas of the records) ships in the image; mkdir keeps the COPY
# in the runtime stage working in a checkout that has none
RUN npm run build && mkdir -p schemas

# ---- prod-deps: runtime dependencies only --------------------------------------------------
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
# --omit=optional drops the embedded-postgres platform binaries (~60 MB; only the local
# development stack uses them, never the apps or scripts in a container) and pg-cloudflare.
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund

# ---- runtime -------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
WORKDIR /app
# files stay owned by root: the unprivileged user can read the code but not change it
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/dist ./dist
COPY --from=build /app/schemas ./schemas
USER node
EXPOSE 3000 3001 3002
# SIGTERM reaches Node directly (exec form) and Nest's shutdown hooks drain in-flight work; run
# with an init process as PID 1 (compose `init: true`, `docker run --init`) to reap zombies.
ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/apps/ingest-gateway/src/main.js"]
