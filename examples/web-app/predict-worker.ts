// The Web Worker of the web app: it runs the model. All it does is answer the page's createPredictor.
import { servePredictor } from 'tfdistill/web';

servePredictor();
