import { parse } from 'yaml';
import { loadCompose, readRepoFile } from './support/repo';

const OVERRIDE = 'infra/images/docker-compose.offline.yml';

interface OverrideService {
  image?: string;
  environment?: Record<string, string>;
  [key: string]: unknown;
}

const override = parse(readRepoFile(OVERRIDE), { merge: true }) as {
  services: Record<string, OverrideService>;
};
const production = loadCompose();
const builtHere = (name: string) => production.services[name]?.build !== undefined;

/**
 * The rehearsal runs docker-compose.prod.yml with this one override: it may swap the
 * third-party images and nothing else, so every other line of the production file is what runs
 * (the one exception, the MongoDB stand-in's authentication mechanism, is named here).
 */
describe(OVERRIDE, () => {
  it('names only services of the production file', () => {
    for (const name of Object.keys(override.services))
      expect(Object.keys(production.services)).toContain(name);
  });

  it('swaps every third-party image but Grafana for a local one', () => {
    const thirdParty = Object.keys(production.services).filter(
      (name) => !builtHere(name) && name !== 'grafana',
    );
    for (const name of thirdParty) {
      expect({ name, image: override.services[name]?.image }).toEqual({
        name,
        image: expect.stringMatching(/^\$\{LOCAL_\w+_IMAGE:\?[^}]+\}$/),
      });
    }
    expect(override.services.grafana).toBeUndefined();
  });

  it('changes nothing else: no service built here gets another image, and only MONGO_URL changes', () => {
    for (const [name, service] of Object.entries(override.services)) {
      if (builtHere(name)) {
        expect({ name, keys: Object.keys(service) }).toEqual({ name, keys: ['environment'] });
        expect(Object.keys(service.environment ?? {})).toEqual(['MONGO_URL']);
        // The production URL with the mechanism FerretDB accepts added, nothing else.
        const productionUrl = String(production.services[name]?.environment?.MONGO_URL);
        expect(service.environment?.MONGO_URL).toBe(`${productionUrl}&authMechanism=PLAIN`);
      } else {
        expect({ name, keys: Object.keys(service) }).toEqual({ name, keys: ['image'] });
      }
    }
  });
});
