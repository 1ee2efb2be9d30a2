# arxflow's worker and gateway image (deploy/helm/arxflow runs both from it; docs/production.md,
# "Kubernetes"). One image, two commands: `tsx workers/main.ts` and `tsx scripts/cluster-gateway.ts`.
# Not built by the tests (the project's machines run no container daemon): the chart's test checks
# that the commands the chart runs exist in this tree, which this image copies whole.
FROM node:20-bookworm-slim

# git and ca-certificates: the pipeline jobs the worker runs clone repositories over HTTPS.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends git ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production
# Dependencies first, so a source change reuses this layer. No install scripts: the packages
# that have them are listed false in package.json's allowScripts (prebuilt binaries instead).
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

COPY . .
# The data dir is scratch (the store is PostgreSQL, DATABASE_URL); the chart mounts an emptyDir here.
RUN mkdir -p /var/lib/arxflow && chown node:node /var/lib/arxflow
ENV ARXFLOW_DATA_DIR=/var/lib/arxflow
USER node

EXPOSE 8080
CMD ["node_modules/.bin/tsx", "workers/main.ts"]
