import { PageTitle } from '../ui';

export function Merchants() {
  return (
    <>
      <PageTitle>Merchants</PageTitle>
      
    </>
  );
}
