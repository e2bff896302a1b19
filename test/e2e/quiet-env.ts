// Imported first by the e2e tests: Powertools reads these when its modules load.
import '../../infra/local/quiet-env.ts';
