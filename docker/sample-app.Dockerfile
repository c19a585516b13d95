# The sample app of this repository, for docker-compose.yml. Build context: the repository root.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.sample.json ./
COPY docker/tsconfig.sample-app.json docker/
COPY lib lib
COPY scripts scripts
COPY sample-app sample-app
RUN npx tsc -p docker/tsconfig.sample-app.json
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
USER node
CMD ["node", "build/sample-app/main.js"]
