// Any path the dashboard does not know.
import type { PageFactory } from '../app';
import { notice } from '../components';
import { h, replace } from '../dom';

export const createNotFound: PageFactory = (app, root) => ({
  update() {
    replace(root, notice('empty', 'There is no such page here.', h('a', { href: '/' }, 'Go to the overview')));
    app.ready('notfound');
  },
  dispose() {},
});
