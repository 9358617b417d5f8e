# One image for every process: the API (default command), the order worker, the gateway worker and the bank host
# (`node dist/src/worker/main.js`, `dist/src/gateway/worker/main.js`, `dist/src/bank-host/main.js`). TypeScript is
# compiled at build time; dev dependencies stay behind.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
COPY bench ./bench
COPY console ./console
# The console is built here and served by the API from dist/console/dist (CONSOLE_DIR's default in the image).
RUN npm run build && npm run console:build && mkdir -p dist/console && cp -r console/dist dist/console/dist \
    && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATA_DIR=/app/.data
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["node", "dist/src/api/main.js"]
