// Runs once, when MongoDB starts on an empty data volume (mongo image's
// /docker-entrypoint-initdb.d, as the root user): creates the user the services log in as,
// with readWrite on each service's own database and nothing else. The root account stays
// for administration only.
const user = process.env.MONGO_APP_USERNAME;
const pwd = process.env.MONGO_APP_PASSWORD;
if (!user || !pwd) {
  throw new Error('MONGO_APP_USERNAME and MONGO_APP_PASSWORD must be set');
}
const databases = ['auth', 'tickets', 'files', 'realtime'];
db.getSiblingDB('admin').createUser({
  user,
  pwd,
  roles: databases.map((name) => ({ role: 'readWrite', db: name })),
});
