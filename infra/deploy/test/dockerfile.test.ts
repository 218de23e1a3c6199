import { parseDockerfile, type Stage } from './support/dockerfile';
import { loadCompose, readRepoFile } from './support/repo';

const DOCKERFILE = 'infra/docker/Dockerfile';
const { globalArgs, stages } = parseDockerfile(readRepoFile(DOCKERFILE));
const final = stages.at(-1)!;
const byName = new Map(stages.map((stage) => [stage.name, stage]));
const args = (stage: Stage, keyword: string) =>
  stage.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);

/** A stage and the stages it is built FROM, nearest first. */
function baseChain(stage: Stage): Stage[] {
  const parent = byName.get(stage.from);
  return [stage, ...(parent ? baseChain(parent) : [])];
}

describe(DOCKERFILE, () => {
  it('is built for each of the four services by the compose file', () => {
    const compose = loadCompose();
    for (const name of ['auth', 'ticket', 'file', 'realtime']) {
      expect(compose.services[name]?.build).toEqual({
        context: '.',
        dockerfile: DOCKERFILE,
        args: { SERVICE: name, PORT: expect.stringMatching(/^\d+$/) },
      });
    }
  });

  it('starts every stage from a small Node.js 20 base pinned to a full version', () => {
    expect(globalArgs.NODE_IMAGE).toMatch(/^node:20\.\d+\.\d+-alpine3\.\d+$/);
    for (const stage of stages) {
      expect(stage.from === globalArgs.NODE_IMAGE || byName.has(stage.from)).toBe(true);
    }
  });

  it('has no `# syntax=` directive: BuildKit would pull that frontend image, which an offline site cannot', () => {
    expect(readRepoFile(DOCKERFILE)).not.toMatch(/^#\s*syntax\s*=/im);
  });

  it('installs and compiles on BUILD_IMAGE (NODE_IMAGE unless set) and runs on NODE_IMAGE', () => {
    // infra/images builds with a BUILD_IMAGE that carries compilers and a CA bundle: neither may
    // reach the runtime image, which starts from NODE_IMAGE itself.
    const text = readRepoFile(DOCKERFILE);
    expect(text).toMatch(/^ARG BUILD_IMAGE=\$\{NODE_IMAGE\}$/m);
    expect(text).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/m);
    const fromBuildImage = [...text.matchAll(/^FROM \$\{BUILD_IMAGE\} AS (\S+)$/gm)].map((m) => m[1]);
    expect(fromBuildImage).toEqual(['manifests', 'deps', 'prod-deps']);
  });

  it('is multi-stage, and the final image copies only the assembled service', () => {
    expect(stages.length).toBeGreaterThanOrEqual(3);
    expect(final.from).toBe(globalArgs.NODE_IMAGE);
    expect(args(final, 'COPY')).toEqual(['--from=assemble /out/ /app/']);
    expect(args(final, 'RUN')).toEqual([]);
  });

  it('ships production dependencies only', () => {
    // The final image takes /out of `assemble`, whose own tree comes from production installs.
    const assemble = byName.get('assemble')!;
    const installs = baseChain(assemble).flatMap((stage) =>
      args(stage, 'RUN').filter((run) => /\bnpm (ci|install|i)\b/.test(run)),
    );
    expect(installs.length).toBeGreaterThan(0);
    for (const install of installs) {
      expect(install).toMatch(/^npm ci /);
      expect(install).toContain('--omit=dev');
      expect(install).toContain('--workspace "services/${SERVICE}"');
      expect(install).toContain('--include-workspace-root=false');
    }
    // The full install (with devDependencies) only feeds the build, of which dist alone is taken.
    expect(args(assemble, 'COPY')).toEqual(['--from=build /app/ /build/']);
    const script = args(assemble, 'RUN').join('\n');
    expect(script.match(/\/build\/[^"\s]*/g)).toEqual(['/build/$dir/dist']);
  });

  it('runs as the unprivileged node user', () => {
    const users = args(final, 'USER');
    expect(users).toEqual(['node']);
  });

  it('declares a HEALTHCHECK against /health', () => {
    expect(args(final, 'HEALTHCHECK').join()).toMatch(/CMD wget .*\/health/);
  });

  it('starts node directly in exec form, so SIGTERM reaches it', () => {
    const [cmd] = args(final, 'CMD');
    expect(JSON.parse(cmd!)).toEqual(['node', 'dist/main.js']);
    expect(args(final, 'ENTRYPOINT')).toEqual([]);
  });

  it('keeps local state, builds and secrets out of the build context', () => {
    const ignored = readRepoFile('.dockerignore').split('\n');
    for (const entry of ['**/node_modules', '**/dist', '.env', '.data', '.cache', '.git']) {
      expect(ignored).toContain(entry);
    }
  });
});
