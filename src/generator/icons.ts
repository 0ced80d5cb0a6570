import { LabIcon } from '@jupyterlab/ui-components';

import datasetSvg from '../../style/icons/dataset.svg';

/** The Dataset Generator's icon (sidebar tab, launcher card, palette). */
export const datasetIcon = new LabIcon({
  name: 'groundtrace:dataset',
  svgstr: datasetSvg
});
