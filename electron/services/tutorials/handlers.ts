import type { Handlers } from '../../../shared/contract';
import type { tutorialMethods } from '../../../shared/contract/tutorials';
import type { TutorialsService } from './tutorialsService';

export function tutorialHandlers(tutorials: TutorialsService): Pick<Handlers, keyof typeof tutorialMethods> {
  return {
    compareTutorials: (opts) => tutorials.compare(opts),
    copyTutorials: (opts) => tutorials.copy(opts),
  };
}
